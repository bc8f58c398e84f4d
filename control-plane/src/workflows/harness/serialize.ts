/**
 * Writes a harness file from fields (for workflows created from a form or a template): keys in
 * a fixed order, defaults left out. Files that exist are never re-serialized: edits go through
 * editFrontMatter so comments and layout survive.
 */
import { stringify } from 'yaml';
import { HARNESS_DEFAULTS, harnessSchema, HOOK_DEFAULTS, type HarnessInput } from './schema.js';
import { HarnessError } from './types.js';

const ORDER = [
  'name',
  'agent',
  'pickup',
  'finish',
  'rework',
  'merge',
  'active',
  'max_concurrent',
  'max_turns',
  'max_attempts',
  'timeout_minutes',
  'stall_timeout_minutes',
  'approval_timeout_minutes',
  'no_progress_turns',
  'budget_usd',
  'machine_labels',
  'permission_mode',
  'tools',
  'paths',
  'hooks',
  'scopes',
  'skills',
  'mcp_servers',
] as const;

export function serializeHarness(input: HarnessInput, body: string): string {
  const parsed = harnessSchema.safeParse(input);
  if (!parsed.success) {
    throw new HarnessError(
      parsed.error.issues.map((i) => ({ line: 1, field: i.path.join('.') || '(front matter)', message: i.message })),
    );
  }
  const h = parsed.data as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of ORDER) {
    const value = h[key];
    if (value === undefined) continue;
    if (key in HARNESS_DEFAULTS && HARNESS_DEFAULTS[key as keyof typeof HARNESS_DEFAULTS] === value) continue;
    out[key] = key === 'hooks' ? compactHooks(value as Record<string, Array<Record<string, unknown>>>) : value;
  }
  const text = body.startsWith('\n') || body === '' ? body : `\n${body}`;
  return `---\n${stringify(out, { lineWidth: 0 })}---\n${text}`;
}

function compactHooks(hooks: Record<string, Array<Record<string, unknown>>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, list] of Object.entries(hooks)) {
    if (!list) continue;
    out[name] = list.map((hook) => {
      const copy: Record<string, unknown> = { ...hook };
      if (copy.timeout === HOOK_DEFAULTS.timeout) delete copy.timeout;
      if (copy.policy === HOOK_DEFAULTS.policy) delete copy.policy;
      return copy;
    });
  }
  return out;
}
