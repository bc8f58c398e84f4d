import * as z from '../zod.js';

/**
 * Listings that can grow (tickets, runs, activity) answer one page at a time: the items and the
 * cursor of the next page, null on the last one. A cursor is the sort key of the page's last item,
 * its parts joined by `~` (keyset paging: a page costs the same however deep it is, and a row added
 * meanwhile neither shifts nor repeats the others). Clients pass it back as they got it.
 */
export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null: this is the last page. */
  nextCursor: string | null;
}

export const cursorSchema = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9._~:-]+$/, 'a cursor is the nextCursor of a previous page, as it was given');

/** The `cursor` and `limit` of a listing's input; `max` bounds one page. */
export function pageInputShape(defaultLimit: number, max: number) {
  return {
    cursor: cursorSchema.optional(),
    limit: z.number().int().min(1).max(max).default(defaultLimit),
  };
}

export function encodeCursor(parts: ReadonlyArray<string | number>): string {
  return parts.map(String).join('~');
}

/** The cursor's parts as the listing wrote them; null when it is not one of this listing's cursors. */
export function decodeCursor<K extends ReadonlyArray<'int' | 'uuid'>>(
  cursor: string,
  kinds: K,
): { [I in keyof K]: K[I] extends 'int' ? number : string } | null {
  const parts = cursor.split('~');
  if (parts.length !== kinds.length) return null;
  const out: Array<string | number> = [];
  for (const [i, kind] of kinds.entries()) {
    const part = parts[i]!;
    if (kind === 'int') {
      if (!/^-?\d{1,16}$/.test(part)) return null;
      out.push(Number(part));
    } else {
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(part)) return null;
      out.push(part);
    }
  }
  return out as { [I in keyof K]: K[I] extends 'int' ? number : string };
}

/** A page from `limit + 1` rows read in order: the extra row only says there is more. */
export function pageFrom<T>(rows: T[], limit: number, keyOf: (last: T) => ReadonlyArray<string | number>): Page<T> {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(keyOf(items.at(-1)!)) : null };
}
