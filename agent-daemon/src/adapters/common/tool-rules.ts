/**
 * The harness tool rules (`tools.allow` / `tools.deny`) as one pure decision, shared by every
 * adapter: Claude's `can_use_tool` prompt, Codex approval requests and Gemini's excluded tools.
 *
 * A pattern is `NAME` or `NAME(glob)`. Names are matched by tool *kind* so one harness works for
 * every CLI: `Bash`/`shell`/`run_shell_command`/`exec_command` are the shell; `Edit`/`replace` are
 * edits, `Write`/`write_file` are writes and `apply_patch` is both. Other names (e.g. `Read`,
 * `mcp__tickets__lookup`) match themselves; `*` in a name is a wildcard. The glob applies to the
 * command line for the shell (`Bash(git *)` matches `git status`) and to the path for file tools.
 *
 * Decision: a matching deny wins; else a matching ask sends the call to a person (`ask` set, `allow` false so a
 * caller that cannot ask refuses); else a matching allow allows; else an empty allow list allows everything not
 * denied, and a non-empty one denies what it does not list.
 */
export type ToolKind = 'shell' | 'edit' | 'write' | 'other';

export interface ToolRequest {
  /** The CLI's own tool name (`Bash`, `write_file`, `commandExecution`…). */
  name: string;
  /** For the shell: the command line as the agent wrote it. */
  command?: string;
  /** For file tools: the path (relative to the worktree when possible). */
  path?: string;
}

export interface ToolRules {
  allow: readonly string[];
  deny: readonly string[];
  ask?: readonly string[];
}

export interface ToolDecision {
  allow: boolean;
  /** The `tools.ask` pattern that matched: a person decides (`allow` is false until they do). */
  ask?: string;
  /** Which rule decided, for the event log and the message the agent sees. */
  reason: string;
}

const KIND_BY_NAME: Record<string, ToolKind[]> = {
  bash: ['shell'],
  shell: ['shell'],
  run_shell_command: ['shell'],
  exec_command: ['shell'],
  commandexecution: ['shell'],
  local_shell: ['shell'],
  edit: ['edit'],
  multiedit: ['edit'],
  replace: ['edit'],
  notebookedit: ['edit'],
  write: ['write'],
  write_file: ['write'],
  apply_patch: ['edit', 'write'],
  filechange: ['edit', 'write'],
};

export function toolKinds(name: string): ToolKind[] {
  return KIND_BY_NAME[name.toLowerCase()] ?? ['other'];
}

export function parsePattern(pattern: string): { name: string; glob?: string } {
  const match = /^([^()]+)(?:\((.*)\))?$/.exec(pattern.trim());
  if (!match) return { name: pattern.trim() };
  return match[2] === undefined ? { name: match[1]!.trim() } : { name: match[1]!.trim(), glob: match[2] };
}

/**
 * `*` matches anything (including `/` and spaces); everything else is literal. A trailing ` *` also matches the bare
 * command (`git *` ~ `git`).
 */
export function globMatches(glob: string, value: string): boolean {
  const source = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  if (new RegExp(`^${source}$`, 's').test(value)) return true;
  return glob.endsWith(' *') && value === glob.slice(0, -2);
}

/** Strips the `/bin/bash -lc '…'` wrapper Codex and others put around the agent's command. */
export function innerCommand(command: string): string {
  const wrapped = /^(?:\/(?:usr\/)?bin\/)?(?:ba|z)?sh\s+-l?c\s+(['"])([\s\S]*)\1$/.exec(command.trim());
  if (!wrapped) return command.trim();
  const body = wrapped[2]!;
  return wrapped[1] === "'" ? body.replace(/'\\''/g, "'") : body;
}

export function patternMatches(pattern: string, request: ToolRequest): boolean {
  const { name, glob } = parsePattern(pattern);
  const patternKinds = toolKinds(name);
  const requestKinds = toolKinds(request.name);
  const nameMatches =
    patternKinds[0] === 'other'
      ? globMatches(name, request.name)
      : patternKinds.some((kind) => requestKinds.includes(kind));
  if (!nameMatches) return false;
  if (glob === undefined || glob === '*' || glob === '') return true;
  if (requestKinds.includes('shell'))
    return request.command !== undefined && globMatches(glob, innerCommand(request.command));
  if (request.path !== undefined) return globMatches(glob, request.path);
  return false;
}

export function decideTool(rules: ToolRules, request: ToolRequest): ToolDecision {
  const denied = rules.deny.find((pattern) => patternMatches(pattern, request));
  if (denied) return { allow: false, reason: `denied by the harness rule tools.deny "${denied}"` };
  const ask = rules.ask?.find((pattern) => patternMatches(pattern, request));
  if (ask) return { allow: false, ask, reason: `needs a person's approval (tools.ask "${ask}")` };
  const allowed = rules.allow.find((pattern) => patternMatches(pattern, request));
  if (allowed) return { allow: true, reason: `allowed by tools.allow "${allowed}"` };
  if (rules.allow.length === 0) return { allow: true, reason: 'not denied by the harness' };
  return { allow: false, reason: `not in the harness tools.allow list (${rules.allow.join(', ')})` };
}

/** True when the rules forbid every shell command (then a CLI's shell tool can be switched off). */
export function shellFullyDenied(rules: ToolRules): boolean {
  return rules.deny.some((pattern) => {
    const { name, glob } = parsePattern(pattern);
    return toolKinds(name).includes('shell') && (glob === undefined || glob === '*');
  });
}

/** What a person is shown for a call waiting for approval: the exact command, else the path, else the tool name. */
export function approvalDetail(request: ToolRequest): string {
  if (request.command !== undefined) return innerCommand(request.command);
  return request.path ?? request.name;
}
