/**
 * The diff viewer's model: the API's per-repository patches parsed into files (shared
 * parseUnifiedDiff), and each file's rows for the unified and the split view, highlighted per hunk
 * side. Pure functions, so the view only renders.
 */
import { parseUnifiedDiff, type DiffFile, type DiffLineKind } from '@openase/shared';
import { highlightLines, languageOf } from './highlight';

export interface FileModel {
  /** `repo/path`, unique in one diff. */
  key: string;
  repo: string;
  file: DiffFile;
  lines: number;
}

export interface Row {
  /** Its index in the file's rows. */
  i: number;
  kind: DiffLineKind | 'hunk';
  oldNo: number | null;
  newNo: number | null;
  text: string;
  html: string;
}

export interface SplitRow {
  kind: 'hunk' | 'pair';
  header?: string;
  left: Row | null;
  right: Row | null;
}

export function filesOf(repos: ReadonlyArray<{ repo: string; patch: string; tooLarge: boolean }>): FileModel[] {
  return repos.flatMap((r) =>
    parseUnifiedDiff(r.patch, { truncated: r.tooLarge }).map((file) => ({
      key: `${r.repo}/${file.path}`,
      repo: r.repo,
      file,
      lines: file.hunks.reduce((n, h) => n + h.lines.length, 0),
    })),
  );
}

/** Files with more lines than this render as plain text first and are highlighted after (`highlightRows`). */
export const HIGHLIGHT_AT_ONCE = 1500;
/** The most lines highlighted in one slice of `highlightRows` (a slice of the main thread, then a yield). */
const SLICE_LINES = 400;

/**
 * Unified rows: a header row per hunk, then its lines, each side highlighted as a block
 * (`highlight: false`: escaped plain text, to show a big file at once).
 */
export function rowsOf(file: DiffFile, opts: { highlight?: boolean } = {}): Row[] {
  const language = opts.highlight === false ? null : languageOf(file.path);
  const rows: Row[] = [];
  for (const hunk of file.hunks) {
    rows.push({ i: rows.length, kind: 'hunk', oldNo: null, newNo: null, text: hunk.header, html: '' });
    const newSide = hunk.lines.filter((l) => l.kind === 'context' || l.kind === 'add');
    const oldSide = hunk.lines.filter((l) => l.kind === 'del');
    const newHtml = highlightLines(
      newSide.map((l) => l.text),
      language,
    );
    const oldHtml = highlightLines(
      oldSide.map((l) => l.text),
      language,
    );
    let n = 0;
    let o = 0;
    for (const line of hunk.lines) {
      const html = line.kind === 'del' ? oldHtml[o++]! : line.kind === 'note' ? '' : newHtml[n++]!;
      rows.push({ i: rows.length, kind: line.kind, oldNo: line.oldNo, newNo: line.newNo, text: line.text, html });
    }
  }
  return rows;
}

/**
 * Highlights rows made plain by `rowsOf(file, { highlight: false })`, in place, a slice of at most
 * SLICE_LINES lines of one hunk side at a time with a yield between slices (the page stays
 * responsive); a slice boundary inside a multi-line comment or string may lose that colour.
 * Resolves false when `cancelled()` turned true on the way.
 */
export async function highlightRows(
  file: DiffFile,
  rows: Row[],
  cancelled: () => boolean,
  yieldNow: () => Promise<void> = () => new Promise((r) => setTimeout(r, 0)),
): Promise<boolean> {
  const language = languageOf(file.path);
  if (!language) return true;
  await yieldNow(); // never before the plain rows' first paint
  let i = 0;
  for (const hunk of file.hunks) {
    const start = ++i; // the hunk's header row
    i += hunk.lines.length;
    for (const side of [['context', 'add'], ['del']]) {
      const mine = hunk.lines.flatMap((l, k) => (side.includes(l.kind) ? [{ text: l.text, row: start + k }] : []));
      for (let from = 0; from < mine.length; from += SLICE_LINES) {
        if (cancelled()) return false;
        const slice = mine.slice(from, from + SLICE_LINES);
        const html = highlightLines(
          slice.map((x) => x.text),
          language,
        );
        slice.forEach((x, k) => (rows[x.row]!.html = html[k]!));
        await yieldNow();
      }
    }
  }
  return !cancelled();
}

/** Split rows: context on both sides; a run of removed lines faces the run of added lines after it. */
export function splitRowsOf(rows: readonly Row[]): SplitRow[] {
  const out: SplitRow[] = [];
  let dels: Row[] = [];
  let adds: Row[] = [];
  const flush = () => {
    for (let i = 0; i < Math.max(dels.length, adds.length); i++)
      out.push({ kind: 'pair', left: dels[i] ?? null, right: adds[i] ?? null });
    dels = [];
    adds = [];
  };
  for (const row of rows) {
    if (row.kind === 'del') {
      if (adds.length) flush();
      dels.push(row);
    } else if (row.kind === 'add') adds.push(row);
    else {
      flush();
      if (row.kind === 'hunk') out.push({ kind: 'hunk', header: row.text, left: null, right: null });
      else if (row.kind === 'context') out.push({ kind: 'pair', left: row, right: row });
      else out.push({ kind: 'pair', left: row, right: null });
    }
  }
  flush();
  return out;
}

export const STATUS_WORDS: Record<DiffFile['status'], string> = {
  added: 'added',
  deleted: 'deleted',
  modified: 'changed',
  renamed: 'renamed',
  copied: 'copied',
};
