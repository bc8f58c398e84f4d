/**
 * The folders of control-plane/src import each other in one direction (docs/architecture.md,
 * "Import direction"): a folder may import only folders below it in LAYERS. Type-only imports are
 * erased at build time and are not counted.
 * Any upward import fails this test: fix the mechanism (move the shared code down, or hand it in).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** Bottom first. */
export const LAYERS = [
  'db',
  'secrets',
  'kernel',
  'activity',
  'auth',
  'runs',
  'agents',
  'skills',
  'projects',
  'statuses',
  'tickets',
  'notifications',
  'review',
  'workflows',
  'jobs',
  'integrations',
  'orchestrator',
  'chat',
  'fleet',
  'api',
  'http',
  'server',
  'cli',
];

const src = path.dirname(fileURLToPath(import.meta.url));
const VALUE_IMPORT = /^(?:import|export)(?!\s+type\b)[^'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]/gm;

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [full] : [];
  });
}

function upwardImports(): string[] {
  const found = new Set<string>();
  for (const file of sources(src)) {
    const rel = path.relative(src, file);
    const from = rel.split(path.sep)[0]!;
    if (!LAYERS.includes(from)) continue;
    for (const m of fs.readFileSync(file, 'utf8').matchAll(VALUE_IMPORT)) {
      const target = path.relative(src, path.resolve(path.dirname(file), m[1] ?? m[2]!)).split(path.sep)[0]!;
      if (target !== from && LAYERS.indexOf(target) > LAYERS.indexOf(from))
        found.add(`${from} -> ${target}: ${rel.split(path.sep).join('/')}`);
    }
  }
  return [...found].sort();
}

describe('import direction of control-plane/src', () => {
  it('every folder is in the layer list', () => {
    const folders = fs
      .readdirSync(src, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.filter((f) => !LAYERS.includes(f))).toEqual([]);
  });

  it('no folder imports one above it', () => {
    expect(upwardImports()).toEqual([]);
  });
});
