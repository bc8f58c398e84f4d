/** Output helpers: aligned tables for people, JSON for scripts. */
import type { CommandIo } from './command.js';

export function printJson(io: CommandIo, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

/** One value as one line of NDJSON (streams of events: a reader takes each line as it comes). */
export function printJsonLine(io: CommandIo, value: unknown): void {
  io.out(JSON.stringify(value));
}

export function printTable(
  io: CommandIo,
  headers: string[],
  rows: Array<Array<string | number | null | undefined>>,
  empty = '(none)',
): void {
  if (rows.length === 0) {
    io.out(empty);
    return;
  }
  const cells = rows.map((r) => r.map((c) => oneLine(c === null || c === undefined ? '' : String(c))));
  const widths = headers.map((h, i) => Math.min(60, Math.max(h.length, ...cells.map((r) => r[i]!.length))));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (c.length > widths[i]! ? `${c.slice(0, widths[i]! - 1)}…` : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  io.out(fmt(headers));
  for (const r of cells) io.out(fmt(r));
}

/** Ticket text may hold newlines and control characters; tables show it on one safe line. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this removes
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

/** `2026-01-31 12:00`: a time as listings print it, in UTC to the minute (blank when there is none). */
export function utcMinute(d: Date | string | null | undefined): string {
  return d ? new Date(d).toISOString().slice(0, 16).replace('T', ' ') : '';
}

export function printFields(io: CommandIo, fields: Array<[string, string | number | null | undefined]>): void {
  const width = Math.max(...fields.map(([k]) => k.length));
  for (const [k, v] of fields) io.out(`${`${k}:`.padEnd(width + 1)} ${v ?? ''}`);
}
