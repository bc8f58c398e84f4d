/** Filtering and sorting of the board's tickets: plain functions, tested on their own. */
import { PRIORITIES } from '@openase/shared';
export interface FilterableTicket {
  identifier: string;
  number: number;
  title: string;
  labels: string[];
  priority: string;
  costUsd: number;
  updatedAt: Date | string;
  statusId: string;
}

export interface BoardFilter {
  text: string;
  label: string;
  priority: string;
}

/** The filter as URL query keys (`q`, `label`, `priority`), so a filtered board can be linked and reloaded. */
export function filterToQuery(filter: BoardFilter): Record<'q' | 'label' | 'priority', string | undefined> {
  return { q: filter.text || undefined, label: filter.label || undefined, priority: filter.priority || undefined };
}

export function filterFromQuery(query: Record<string, unknown>): BoardFilter {
  const one = (v: unknown) => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '');
  const priority = one(query.priority);
  return {
    text: one(query.q),
    label: one(query.label),
    priority: (PRIORITIES as readonly string[]).includes(priority) ? priority : '',
  };
}

/** Most to least urgent, as the server orders dispatch. */
export const PRIORITY_ORDER = PRIORITIES;

export function matchesFilter(ticket: FilterableTicket, filter: BoardFilter): boolean {
  if (filter.label && !ticket.labels.includes(filter.label)) return false;
  if (filter.priority && ticket.priority !== filter.priority) return false;
  const text = filter.text.trim().toLowerCase();
  if (!text) return true;
  return (
    ticket.identifier.toLowerCase().includes(text) ||
    ticket.title.toLowerCase().includes(text) ||
    ticket.labels.some((l) => l.toLowerCase().includes(text))
  );
}

export type SortKey = 'identifier' | 'title' | 'status' | 'priority' | 'cost' | 'updated';

export function sortTickets<T extends FilterableTicket>(
  tickets: T[],
  key: SortKey,
  descending: boolean,
  statusPosition: (statusId: string) => number,
): T[] {
  const rank = (p: string) => PRIORITY_ORDER.indexOf(p as (typeof PRIORITY_ORDER)[number]);
  const compare: Record<SortKey, (a: T, b: T) => number> = {
    identifier: (a, b) => a.number - b.number,
    title: (a, b) => a.title.localeCompare(b.title),
    status: (a, b) => statusPosition(a.statusId) - statusPosition(b.statusId),
    priority: (a, b) => rank(a.priority) - rank(b.priority),
    cost: (a, b) => a.costUsd - b.costUsd,
    updated: (a, b) => new Date(a.updatedAt).getTime() - new Date(b.updatedAt).getTime(),
  };
  const sorted = [...tickets].sort((a, b) => compare[key](a, b) || a.number - b.number);
  return descending ? sorted.reverse() : sorted;
}

export function allLabels(tickets: FilterableTicket[]): string[] {
  return [...new Set(tickets.flatMap((t) => t.labels))].sort();
}

/** "a, b ,, c" → ["a", "b", "c"] (deduplicated, order kept). */
export function parseLabels(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  ];
}

/** A budget field's value (number inputs hand back numbers or '') → USD, or null for "no limit". */
export function parseBudget(value: unknown): number | null {
  const text = String(value ?? '').trim();
  if (text === '') return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}
