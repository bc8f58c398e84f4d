/** One problem found in a harness file. `line` is 1-based and counts lines of the whole file. */
export interface Problem {
  line: number;
  field: string;
  message: string;
}

/** Thrown by renderHarness / serializeHarness when the input cannot be used. */
export class HarnessError extends Error {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super(problems.map((p) => `line ${p.line}: ${p.field}: ${p.message}`).join('\n'));
    this.name = 'HarnessError';
    this.problems = problems;
  }
}

/** Formats a path like ['hooks', 'on_done', 0, 'run'] as "hooks.on_done[0].run". */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? '(front matter)' : out;
}
