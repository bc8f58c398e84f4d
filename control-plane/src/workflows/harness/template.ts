/**
 * The harness body is a strict Liquid template over a fixed variable set (HARNESS_VARIABLES in
 * shared). Checked statically — every unknown variable, property and filter is reported with its
 * line — and rendered with strictVariables/strictFilters so nothing is ever silently empty.
 * Includes and layouts have no files to read: the template map is empty.
 */
import { Liquid, Tokenizer, TokenKind, type Template } from 'liquidjs';
import { HARNESS_VARIABLES } from '@openase/shared';
import type { Problem } from './types.js';

// Limits keep a hostile body from exhausting the server: render time (ms) and memory (string bytes, array items).
const liquid = new Liquid({
  strictVariables: true,
  strictFilters: true,
  ownPropertyOnly: true,
  templates: {},
  relativeReference: false,
  renderLimit: 2_000,
  memoryLimit: 20_000_000,
  parseLimit: 1_000_000,
});

/** Top-level name → allowed property names (null = a scalar; `[]` marks a list of objects). */
const SHAPE = new Map<string, Set<string> | null>();
for (const key of Object.keys(HARNESS_VARIABLES)) {
  const [root, prop] = key.split('.') as [string, string | undefined];
  const name = root.replace('[]', '');
  if (prop === undefined) SHAPE.set(name, null);
  else {
    const set = SHAPE.get(name) ?? new Set<string>();
    set.add(prop);
    SHAPE.set(name, set);
  }
}
const LIST_VARIABLES = new Set(
  Object.keys(HARNESS_VARIABLES)
    .filter((k) => k.includes('[]'))
    .map((k) => k.split('[]')[0]!),
);
const LIST_PROPERTIES = new Set(['size', 'first', 'last']);

export interface TemplateCheck {
  problems: Problem[];
  templates: Template[] | null;
}

/** Every problem of the body: syntax, unknown filters, unknown variables and properties. */
export function checkTemplate(body: string, bodyStartLine: number): TemplateCheck {
  const problems: Problem[] = [];
  const at = (row: number) => bodyStartLine + row - 1;
  let templates: Template[] | null = null;
  try {
    templates = liquid.parse(body);
  } catch (err) {
    problems.push({ line: at(errorRow(err)), field: 'body', message: liquidMessage(err) });
  }
  // A failed parse stops at its first error; parse every `{{ … }}` alone too so each unknown filter
  // is reported, and (when the whole body did not parse) each unknown variable of the others.
  const alone: Array<{ row: number; templates: Template[] }> = [];
  try {
    const tokens = new Tokenizer(body).readTopLevelTokens();
    for (const token of tokens) {
      if (token.kind !== TokenKind.Output) continue;
      try {
        alone.push({ row: token.getPosition()[0] ?? 1, templates: liquid.parse(token.getText()) });
      } catch (err) {
        const line = at(token.getPosition()[0] ?? 1);
        if (!problems.some((p) => p.line === line)) problems.push({ line, field: 'body', message: liquidMessage(err) });
      }
    }
  } catch {
    /* the tokenizer error was reported by the full parse */
  }
  const parts = templates ? [{ row: 1, templates }] : alone;
  // Outputs analyzed alone lose their loops and assignments: names the body binds are not unknown.
  const bound = templates
    ? new Set<string>()
    : new Set(['forloop', ...[...body.matchAll(/\{%-?\s*(?:for|assign|capture)\s+([A-Za-z_]\w*)/g)].map((m) => m[1]!)]);
  for (const part of parts) {
    const analysis = liquid.analyzeSync(part.templates, { partials: false });
    for (const [name, uses] of Object.entries(analysis.globals)) {
      if (bound.has(name)) continue;
      for (const use of uses) {
        const message = unknownVariable(name, use.segments);
        if (message) problems.push({ line: at(part.row + use.location.row - 1), field: 'body', message });
      }
    }
  }
  problems.sort((a, b) => a.line - b.line);
  return { problems, templates };
}

function unknownVariable(root: string, segments: ReadonlyArray<unknown>): string | null {
  const known = [...SHAPE.keys()].join(', ');
  if (!SHAPE.has(root)) return `unknown variable "${root}"; known: ${known}`;
  const props = SHAPE.get(root)!;
  let next = segments[1];
  if (LIST_VARIABLES.has(root)) {
    if (next === undefined || (typeof next === 'string' && LIST_PROPERTIES.has(next))) return null;
    next = segments[2]; // repos[0].name
    if (next === undefined) return null;
  }
  if (typeof next !== 'string') return null;
  if (props === null) return `"${root}" has no property "${next}"`;
  if (!props.has(next)) return `unknown variable "${root}.${next}"; ${root} has: ${[...props].join(', ')}`;
  return null;
}

function errorRow(err: unknown): number {
  const m = /line:(\d+)/.exec(String((err as Error).message));
  if (m) return Number(m[1]);
  return 1;
}

function liquidMessage(err: unknown): string {
  return String((err as Error).message)
    .replace(/,? line:\d+, col:\d+.*$/s, '')
    .trim();
}

/** Renders a checked body. Throws on an unknown variable or filter (never renders it empty). */
export function renderTemplate(templates: Template[], variables: Record<string, unknown>): string {
  return liquid.renderSync(templates, variables) as string;
}
