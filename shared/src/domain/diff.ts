/**
 * Reading `git diff` output (unified format, `--no-color`): files, hunks and numbered lines, for
 * the console's diff viewer and the CLI. Tolerant by design: the text may be cut at a byte cap in
 * the middle of a file (the last file is then marked `truncated`), and quoted paths (git's C-style
 * quoting of unusual names) are unquoted.
 */

export type DiffLineKind = 'context' | 'add' | 'del' | 'note';

export interface DiffLine {
  kind: DiffLineKind;
  text: string;
  /** Line number in the old file (context and deleted lines). */
  oldNo: number | null;
  /** Line number in the new file (context and added lines). */
  newNo: number | null;
}

export interface DiffHunk {
  header: string;
  oldStart: number;
  newStart: number;
  /** The function or section git names after the @@ marker. */
  section: string;
  lines: DiffLine[];
}

export type DiffFileStatus = 'added' | 'deleted' | 'modified' | 'renamed' | 'copied';

export interface DiffFile {
  path: string;
  oldPath: string;
  status: DiffFileStatus;
  binary: boolean;
  hunks: DiffHunk[];
  additions: number;
  deletions: number;
  /** The text ended inside this file (the diff was cut at its size cap). */
  truncated: boolean;
}

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@ ?(.*)$/;

/** git's C-style quoted path ("a/sp\303\244ce") → the path; plain text is returned as is. */
export function unquoteGitPath(raw: string): string {
  if (!raw.startsWith('"') || !raw.endsWith('"')) return raw;
  const bytes: number[] = [];
  const body = raw.slice(1, -1);
  const escapes: Record<string, number> = { n: 10, t: 9, r: 13, b: 8, f: 12, v: 11, a: 7, '"': 34, '\\': 92 };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      for (const b of new TextEncoder().encode(c)) bytes.push(b);
      continue;
    }
    const next = body[i + 1] ?? '';
    if (/[0-7]/.test(next)) {
      bytes.push(parseInt(body.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(escapes[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** `a/path` or `b/path` (maybe quoted) → `path`; `/dev/null` → null. */
function sidePath(raw: string): string | null {
  const value = unquoteGitPath(raw.replace(/\t$/, ''));
  if (value === '/dev/null') return null;
  return value.replace(/^[ab]\//, '');
}

/** The two paths of a `diff --git a/X b/Y` line when neither is quoted and both are the same (the usual case). */
function headerPaths(line: string): { oldPath: string; path: string } {
  const rest = line.slice('diff --git '.length);
  if (rest.startsWith('"')) {
    const end = rest.indexOf('" ', 1);
    const a = sidePath(rest.slice(0, end + 1)) ?? '';
    const b = sidePath(rest.slice(end + 2)) ?? a;
    return { oldPath: a, path: b };
  }
  // "a/x b/x": split in the middle when both halves name the same path.
  const half = (rest.length - 1) / 2;
  if (Number.isInteger(half) && rest.slice(2, half) === rest.slice(half + 3)) {
    const p = rest.slice(2, half);
    return { oldPath: p, path: p };
  }
  const at = rest.lastIndexOf(' b/');
  const a = sidePath(rest.slice(0, at)) ?? '';
  const b = sidePath(rest.slice(at + 1)) ?? a;
  return { oldPath: a, path: b };
}

export function parseUnifiedDiff(text: string, opts: { truncated?: boolean } = {}): DiffFile[] {
  const files: DiffFile[] = [];
  let file: DiffFile | null = null;
  let hunk: DiffHunk | null = null;
  let oldNo = 0;
  let newNo = 0;
  const lines = text.split('\n');
  // A trailing newline leaves one empty string that is not a line of the diff.
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    if (line.startsWith('diff --git ')) {
      const paths = headerPaths(line);
      file = { ...paths, status: 'modified', binary: false, hunks: [], additions: 0, deletions: 0, truncated: false };
      files.push(file);
      hunk = null;
      continue;
    }
    if (!file) continue;
    if (hunk) {
      const c = line[0];
      if (c === '+') {
        hunk.lines.push({ kind: 'add', text: line.slice(1), oldNo: null, newNo: newNo++ });
        file.additions++;
        continue;
      }
      if (c === '-') {
        hunk.lines.push({ kind: 'del', text: line.slice(1), oldNo: oldNo++, newNo: null });
        file.deletions++;
        continue;
      }
      if (c === ' ' || line === '') {
        hunk.lines.push({ kind: 'context', text: line.slice(1), oldNo: oldNo++, newNo: newNo++ });
        continue;
      }
      if (c === '\\') {
        hunk.lines.push({ kind: 'note', text: line.slice(2), oldNo: null, newNo: null });
        continue;
      }
    }
    const m = HUNK.exec(line);
    if (m) {
      oldNo = Number(m[1]);
      newNo = Number(m[2]);
      hunk = { header: line, oldStart: oldNo, newStart: newNo, section: m[3] ?? '', lines: [] };
      file.hunks.push(hunk);
      continue;
    }
    hunk = null;
    if (line.startsWith('new file mode')) file.status = 'added';
    else if (line.startsWith('deleted file mode')) file.status = 'deleted';
    else if (line.startsWith('rename from ')) {
      file.status = 'renamed';
      file.oldPath = unquoteGitPath(line.slice('rename from '.length));
    } else if (line.startsWith('rename to ')) file.path = unquoteGitPath(line.slice('rename to '.length));
    else if (line.startsWith('copy from ')) {
      file.status = 'copied';
      file.oldPath = unquoteGitPath(line.slice('copy from '.length));
    } else if (line.startsWith('copy to ')) file.path = unquoteGitPath(line.slice('copy to '.length));
    else if (line.startsWith('Binary files ') || line === 'GIT binary patch') file.binary = true;
    else if (line.startsWith('--- ')) {
      const p = sidePath(line.slice(4));
      if (p) file.oldPath = p;
    } else if (line.startsWith('+++ ')) {
      const p = sidePath(line.slice(4));
      if (p) file.path = p;
    }
  }
  if (opts.truncated && files.length) files[files.length - 1]!.truncated = true;
  return files;
}

/** `12 files changed, 340 insertions(+), 20 deletions(-)`, like git's --stat summary. */
export function diffSummary(files: number, additions: number, deletions: number): string {
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return [
    plural(files, 'file changed', 'files changed'),
    plural(additions, 'insertion(+)', 'insertions(+)'),
    plural(deletions, 'deletion(-)', 'deletions(-)'),
  ].join(', ');
}
