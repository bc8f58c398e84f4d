/**
 * The agent's own words for the commit of its turn. Where the workspace's git history is read-only to the agent (a
 * confined machine: `git add` fails with "Read-only file system"), it writes the message to
 * `<workspace>/.openase/commit-message` and the daemon commits with it (turn-end.ts). The agent can write anything in
 * its workspace, so the file is read with care: never through a link (a link to the daemon's credential would put it in
 * a pushed commit), a regular file, at most MAX_BYTES, and taken away once read so the next turn starts without one.
 */
import fs from 'node:fs';
import path from 'node:path';

const MAX_BYTES = 16 * 1024;
const SUBJECT_MAX = 200;

/** The message the agent left for this turn's commit, cleaned up (null when there is none to use). */
export function takeCommitMessage(workspaceDir: string): string | null {
  const dir = path.join(workspaceDir, '.openase');
  const file = path.join(dir, 'commit-message');
  // The folder itself must be the real one, not a link the agent put in its place: nothing is read or removed through
  // one (a linked folder made the daemon delete a `commit-message` wherever it led).
  const real = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (!real?.isDirectory()) return null;
  let text: string | null = null;
  try {
    const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    try {
      const stat = fs.fstatSync(fd);
      if (stat.isFile() && stat.size <= MAX_BYTES) {
        const buf = Buffer.alloc(stat.size);
        text = buf.subarray(0, fs.readSync(fd, buf, 0, stat.size, 0)).toString('utf8');
      }
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // none, a link, or unreadable: the platform's own message
  }
  // Taken away, whatever it was (a link itself, not its target; a folder of that name stays and is not an error).
  try {
    if (!fs.lstatSync(file, { throwIfNoEntry: false })?.isDirectory()) fs.rmSync(file, { force: true });
  } catch {
    /* gone already */
  }
  return text === null ? null : cleanMessage(text);
}

/** One subject line (clipped), a blank line, the body; no control characters but newlines and tabs. */
export function cleanMessage(text: string): string | null {
  const lines = text
    .replace(/\r\n?/g, '\n')
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .split('\n');
  while (lines.length && !lines[0]!.trim()) lines.shift();
  if (!lines.length) return null;
  let subject = lines[0]!.replace(/\s+/g, ' ').trim();
  if (subject.length > SUBJECT_MAX) subject = `${subject.slice(0, SUBJECT_MAX - 1)}…`;
  const body = lines.slice(1).join('\n').trim();
  return body ? `${subject}\n\n${body}` : subject;
}
