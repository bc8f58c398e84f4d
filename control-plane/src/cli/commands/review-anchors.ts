/**
 * `ticket review --line`: each line comment checked against the ticket's diff before it is sent, as the
 * console only offers lines of the diff. A comment on a line the diff does not show is refused (a typo
 * in the path or the number would reach the agent as a remark about nothing); one that is found gets the
 * repository, the line's text and the head commit, which the agent's prompt quotes.
 */
import { parseUnifiedDiff, type CommentAnchor, type DiffFile } from '@openase/shared';
import { UsageError } from '../command.js';

interface DiffForReview {
  identifier: string;
  repos: Array<{ repo: string; patch: string; head: string | null; tooLarge: boolean; error?: string | null }>;
}

export interface LineComment {
  anchor: CommentAnchor;
  body: string;
}

/** The comments with repo, text and commit filled from `diff`; a UsageError names each one not on a line of it. */
export function anchorToDiff(comments: LineComment[], diff: DiffForReview): LineComment[] {
  const repos = diff.repos.map((r) => ({ ...r, files: parseUnifiedDiff(r.patch, { truncated: r.tooLarge }) }));
  const problems: string[] = [];
  const anchored = comments.map((c) => {
    const { path, line, side } = c.anchor;
    const holding = repos.flatMap((r) =>
      r.files.filter((f) => (side === 'old' ? f.oldPath : f.path) === path).map((f) => ({ repo: r, file: f })),
    );
    // A diff cut at its size cap, or a repository whose diff could not be read, may lack the file: nothing to
    // check it against.
    if (!holding.length && repos.some((r) => r.tooLarge || r.error)) return c;
    if (!holding.length) {
      problems.push(`${path} is not among the files ${diff.identifier} changes`);
      return c;
    }
    for (const { repo, file } of holding) {
      const found = lineOf(file, line, side ?? 'new');
      if (found !== undefined)
        return {
          ...c,
          anchor: {
            ...c.anchor,
            ...(repos.length > 1 ? { repo: repo.repo } : {}),
            ...(repo.head ? { commit: repo.head } : {}),
            text: found.slice(0, 2000),
          },
        };
    }
    if (holding.some(({ file }) => file.truncated)) return c;
    problems.push(
      `${path}:${line}${side === 'old' ? ' (old side)' : ''} is not a line of ${diff.identifier}'s diff; ${shownLines(holding[0]!.file, side ?? 'new')}`,
    );
    return c;
  });
  if (problems.length)
    throw new UsageError(
      `${problems.join('; ')}. A line comment goes on a changed line or the lines around it (\`openase ticket diff ${diff.identifier}\`)`,
    );
  return anchored;
}

function lineOf(file: DiffFile, line: number, side: 'new' | 'old'): string | undefined {
  for (const hunk of file.hunks)
    for (const l of hunk.lines) {
      if (side === 'new' && l.newNo === line && l.kind !== 'del') return l.text;
      if (side === 'old' && l.oldNo === line && l.kind !== 'add') return l.text;
    }
  return undefined;
}

/** "the diff shows lines 1–4 and 20–31 of it" */
function shownLines(file: DiffFile, side: 'new' | 'old'): string {
  const ranges = file.hunks
    .map((h) => h.lines.map((l) => (side === 'new' ? l.newNo : l.oldNo)).filter((n): n is number => n !== null))
    .filter((ns) => ns.length)
    .map((ns) => (ns.length === 1 ? `${ns[0]}` : `${ns[0]}–${ns[ns.length - 1]}`));
  if (!ranges.length) return 'the diff shows no lines of it';
  return `the diff shows ${ranges.length === 1 && !ranges[0]!.includes('–') ? 'line' : 'lines'} ${ranges.join(', ')} of it`;
}
