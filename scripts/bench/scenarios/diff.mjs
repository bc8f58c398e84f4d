// Scenario: a 5,000-line diff in the drawer vs a 10-line same-run baseline, and a 50 MB diff's
// "too large" state, in headless Chromium (scripts/bench/diff-render.mjs).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export async function diffRender({ runs = 5 }) {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(chromium)) return { skipped: `no Chromium at ${chromium} (set CHROMIUM_PATH)` };
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'diff-render.mjs');
  const child = spawn(process.execPath, [script, '--runs', String(runs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  const code = await new Promise((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`diff-render exited with ${code}`);
  return JSON.parse(out);
}
