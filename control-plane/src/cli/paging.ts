/** `--limit`, `--cursor`, `--all` of the listings that page (tickets, runs, activity) and the "more" line. */
import type { Page } from '@openase/shared';
import { stringOption, UsageError, type CommandIo, type OptionSpec, type ParsedArgs } from './command.js';

export const PAGE_OPTIONS: Record<string, OptionSpec> = {
  limit: { type: 'string', value: 'N', description: 'at most N rows per page' },
  cursor: { type: 'string', value: 'CURSOR', description: 'the page after this one (printed under a page)' },
  all: { type: 'boolean', description: 'every page, not only the first' },
};

export const PAGE_USAGE = '[--limit N] [--cursor C | --all]';

/** With `--all` every page (the last page's `nextCursor` is null), otherwise the one page asked for. */
export async function readPages<T>(
  args: ParsedArgs,
  fetch: (page: { cursor?: string; limit?: number }) => Promise<Page<T>>,
): Promise<Page<T>> {
  const raw = stringOption(args.values.limit);
  if (raw !== undefined && !/^[1-9]\d*$/.test(raw)) throw new UsageError('--limit takes a whole number above 0');
  const limit = raw === undefined ? undefined : Number(raw);
  let cursor = stringOption(args.values.cursor);
  if (!args.values.all) return fetch({ cursor, limit });
  const items: T[] = [];
  for (;;) {
    const page = await fetch({ cursor, limit });
    items.push(...page.items);
    if (!page.nextCursor) return { items, nextCursor: null };
    cursor = page.nextCursor;
  }
}

/** Under a table: how to get the rest, when there is more. */
export function printMore(io: CommandIo, page: Page<unknown>): void {
  if (page.nextCursor)
    io.out(`${page.items.length} shown; there are more: add --cursor ${page.nextCursor} for the next page, or --all`);
}
