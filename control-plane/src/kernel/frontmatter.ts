/**
 * Splits a harness file into its YAML front matter and its body, keeping the exact text of
 * both, and re-assembles a file after its front matter was edited (the body stays byte-identical).
 */
import { type Document, LineCounter, parseDocument } from 'yaml';
import { OpenaseError } from '@openase/shared';
import type { Problem } from '../workflows/harness/types.js';

export interface SplitFile {
  /** The YAML between the `---` lines (with its line breaks). */
  yamlText: string;
  /** Everything after the closing `---` line, byte for byte. */
  body: string;
  /** File line (1-based) of the first body line. */
  bodyStartLine: number;
  /** Text of the opening delimiter line incl. its line break, and of the closing one. */
  open: string;
  close: string;
}

const DELIMITER = /^---[ \t]*(\r?\n|$)/;

export function splitFrontMatter(text: string): SplitFile | Problem {
  const head = DELIMITER.exec(text);
  if (!head)
    return {
      line: 1,
      field: '(front matter)',
      message: 'a harness file starts with a `---` line, then YAML front matter, then a closing `---` line',
    };
  const open = head[0];
  let pos = open.length;
  let line = 2;
  while (pos <= text.length) {
    const end = text.indexOf('\n', pos);
    const lineText = end === -1 ? text.slice(pos) : text.slice(pos, end + 1);
    if (DELIMITER.test(lineText)) {
      return {
        yamlText: text.slice(open.length, pos),
        body: text.slice(pos + lineText.length),
        bodyStartLine: line + 1,
        open,
        close: lineText,
      };
    }
    if (end === -1) break;
    pos = end + 1;
    line++;
  }
  return { line: 1, field: '(front matter)', message: 'the front matter has no closing `---` line' };
}

export interface ParsedYaml {
  doc: Document;
  counter: LineCounter;
  problems: Problem[];
}

/** Parses the front matter YAML; syntax errors become problems with their file line. */
export function parseFrontMatterYaml(split: SplitFile): ParsedYaml {
  const counter = new LineCounter();
  const doc = parseDocument(split.yamlText, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const problems: Problem[] = [...doc.errors, ...doc.warnings].map((e) => ({
    line: counter.linePos(e.pos[0]).line + 1,
    field: '(yaml)',
    message: e.message.split('\n')[0]!,
  }));
  return { doc, counter, problems };
}

/**
 * The front matter as plain data. Aliases are capped (a "billion laughs" alias bomb is a problem
 * with its reason, a 400, never a 500): every reader of front matter goes through here.
 */
export function yamlData(doc: Document): { ok: true; data: unknown } | { ok: false; problem: Problem } {
  try {
    return { ok: true, data: doc.toJS({ maxAliasCount: 50 }) };
  } catch (err) {
    return {
      ok: false,
      problem: { line: 1, field: '(yaml)', message: `the YAML could not be read: ${(err as Error).message}` },
    };
  }
}

/** Applies `edit` to the front matter Document and returns the new file text; the body is kept as is. */
export function editFrontMatter(text: string, edit: (doc: Document) => void): string {
  const split = splitFrontMatter(text);
  if ('message' in split) throw new OpenaseError('VALIDATION_FAILED', split.message);
  const { doc, problems } = parseFrontMatterYaml(split);
  if (problems.length)
    throw new OpenaseError('VALIDATION_FAILED', `line ${problems[0]!.line}: ${problems[0]!.message}`);
  edit(doc);
  return `${split.open}${doc.toString({ lineWidth: 0, flowCollectionPadding: false })}${split.close}${split.body}`;
}
