/**
 * The agent's door to the platform: `<workspace>/.openase/bin/openase`, a sh script that execs the
 * daemon's own bundle with `platform "$@"` (see platform-command.ts). Absolute paths only: some
 * CLIs run commands through a login shell that resets PATH (Codex uses `bash -lc`), so the harness
 * tells the agent the wrapper's absolute path; `.openase/bin` is also put first on the agent's PATH.
 */
import path from 'node:path';
import { shellQuote } from '@openase/shared/util/shell';
import { writeFileNoFollow } from '../workspace/no-follow.js';

/**
 * Writes (or rewrites) the wrapper under `privateDir/bin` with mode 0755 and returns its path, following no link
 * the agent may have left there (no-follow.ts). `program` is the argv that starts the daemon: node's path, then
 * its arguments (the bundle).
 */
export async function writePlatformWrapper(privateDir: string, program: readonly string[]): Promise<string> {
  if (!program.length || !program.every((p, i) => i > 0 || path.isAbsolute(p)))
    throw new Error('the platform wrapper needs an absolute program path');
  const file = path.join(privateDir, 'bin', 'openase');
  const script = [
    '#!/bin/sh',
    '# OpenASE platform commands for the agent (written by openase-agent; see `openase --help`).',
    `exec ${program.map(shellQuote).join(' ')} platform "$@"`,
    '',
  ].join('\n');
  return writeFileNoFollow(privateDir, file, script, 0o755);
}
