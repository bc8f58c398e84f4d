/**
 * The board's data, loaded a column at a time: the first page of every column (and how many
 * tickets each holds) in parallel, more of one column when it is scrolled to the end of what it
 * has. The filter is applied by the server, so a column's count is the count of what matches.
 * Plain functions: the store (board-store.ts) keeps the answers.
 */
import type { Priority } from '@openase/shared';
import { api, type RouterOutputs } from '../api/client';
import type { BoardFilter } from './board-filters';

export type BoardTicket = RouterOutputs['tickets']['list']['items'][number];

/** Cards a column loads at first, and per scroll to the end of what it has. */
export const FIRST_PAGE = 100;
export const NEXT_PAGE = 250;
/** The most a reload asks of one column (what was scrolled through stays loaded). */
const MOST = 5000;

export interface BoardColumnState {
  /** Tickets of this status that match the filter, loaded or not. */
  total: number;
  /** Where the next page starts; null when the column has everything. */
  cursor: string | null;
}

export interface StatusRef {
  id: string;
  name: string;
}

/** The filter as the server's listing takes it (an empty field is no condition). */
export function serverFilter(filter: BoardFilter): { search?: string; label?: string; priority?: Priority } {
  const text = filter.text.trim();
  return {
    ...(text ? { search: text } : {}),
    ...(filter.label ? { label: filter.label } : {}),
    ...(filter.priority ? { priority: filter.priority as Priority } : {}),
  };
}

export function filterKey(filter: BoardFilter): string {
  return JSON.stringify(serverFilter(filter));
}

export interface BoardData {
  tickets: BoardTicket[];
  columns: Record<string, BoardColumnState>;
  /** Tickets on the board without the filter. */
  total: number;
}

/**
 * Every column's first page (or as many as `loaded` says were shown before, for a reload that keeps
 * the scroll position) and the counts.
 */
export async function fetchColumns(
  project: string,
  statuses: StatusRef[],
  filter: BoardFilter,
  loaded: (statusId: string) => number,
): Promise<BoardData> {
  const where = serverFilter(filter);
  const filtered = Object.keys(where).length > 0;
  const [pages, unfiltered] = await Promise.all([
    Promise.all(
      statuses.map((s, i) =>
        api.tickets.list.query({
          project,
          status: s.name,
          ...where,
          counts: i === 0,
          limit: Math.min(MOST, Math.max(FIRST_PAGE, loaded(s.id))),
        }),
      ),
    ),
    filtered ? api.tickets.list.query({ project, counts: true, limit: 1 }) : null,
  ]);
  const counts = pages[0]?.counts ?? {};
  const columns: Record<string, BoardColumnState> = {};
  statuses.forEach((s, i) => {
    columns[s.id] = { total: counts[s.id] ?? 0, cursor: pages[i]!.nextCursor };
  });
  const sum = (c: Record<string, number>) => Object.values(c).reduce((n, x) => n + x, 0);
  return {
    tickets: pages.flatMap((p) => p.items),
    columns,
    total: sum((unfiltered ?? pages[0])?.counts ?? {}),
  };
}

/** The next page of one column. */
export async function fetchMore(project: string, status: StatusRef, filter: BoardFilter, cursor: string) {
  return api.tickets.list.query({ project, status: status.name, ...serverFilter(filter), limit: NEXT_PAGE, cursor });
}
