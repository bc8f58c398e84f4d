import { describe, expect, it } from 'vitest';
import {
  allLabels,
  filterFromQuery,
  filterToQuery,
  matchesFilter,
  parseBudget,
  parseLabels,
  sortTickets,
  type FilterableTicket,
} from './board-filters';

const ticket = (n: number, over: Partial<FilterableTicket> = {}): FilterableTicket => ({
  identifier: `DEMO-${n}`,
  number: n,
  title: `ticket ${n}`,
  labels: [],
  priority: 'none',
  costUsd: 0,
  updatedAt: new Date(2026, 0, n).toISOString(),
  statusId: 's1',
  ...over,
});

describe('board filters', () => {
  const all = [
    ticket(1, { title: 'Add login', labels: ['auth'], priority: 'high' }),
    ticket(2, { title: 'Fix CSS', labels: ['frontend'] }),
    ticket(3, { labels: ['auth', 'backend'], priority: 'urgent' }),
  ];

  it('matches text in identifier, title and labels, case-insensitively', () => {
    const f = (text: string) =>
      all.filter((t) => matchesFilter(t, { text, label: '', priority: '' })).map((t) => t.number);
    expect(f('')).toEqual([1, 2, 3]);
    expect(f('LOGIN')).toEqual([1]);
    expect(f('demo-2')).toEqual([2]);
    expect(f('backend')).toEqual([3]);
    expect(f('nothing')).toEqual([]);
  });

  it('combines label and priority filters', () => {
    expect(all.filter((t) => matchesFilter(t, { text: '', label: 'auth', priority: '' })).map((t) => t.number)).toEqual(
      [1, 3],
    );
    expect(
      all.filter((t) => matchesFilter(t, { text: '', label: 'auth', priority: 'urgent' })).map((t) => t.number),
    ).toEqual([3]);
  });

  it('sorts by each column, ties by number, and reverses', () => {
    const position = (id: string) => ({ s1: 1, s0: 0 })[id as 's1' | 's0'] ?? 9;
    const withStatus = [ticket(1), ticket(2, { statusId: 's0' }), ticket(3)];
    expect(sortTickets(withStatus, 'status', false, position).map((t) => t.number)).toEqual([2, 1, 3]);
    expect(sortTickets(all, 'priority', false, position).map((t) => t.number)).toEqual([3, 1, 2]);
    expect(sortTickets(all, 'identifier', true, position).map((t) => t.number)).toEqual([3, 2, 1]);
    expect(sortTickets(all, 'title', false, position).map((t) => t.title)).toEqual([
      'Add login',
      'Fix CSS',
      'ticket 3',
    ]);
    expect(sortTickets(all, 'updated', true, position).map((t) => t.number)).toEqual([3, 2, 1]);
  });

  it('parses labels and budgets from form fields', () => {
    expect(parseLabels(' a, b ,, a,c ')).toEqual(['a', 'b', 'c']);
    expect(allLabels(all)).toEqual(['auth', 'backend', 'frontend']);
    expect(parseBudget('')).toBeNull();
    expect(parseBudget(5)).toBe(5);
    expect(parseBudget(' 2.5 ')).toBe(2.5);
    expect(parseBudget('abc')).toBeNull();
  });
  it('keeps the filter in the URL query and reads it back, ignoring unknown priorities', () => {
    const filter = { text: 'sign in', label: 'auth', priority: 'high' };
    expect(filterToQuery(filter)).toEqual({ q: 'sign in', label: 'auth', priority: 'high' });
    expect(filterFromQuery(filterToQuery(filter))).toEqual(filter);
    expect(filterToQuery({ text: '', label: '', priority: '' })).toEqual({
      q: undefined,
      label: undefined,
      priority: undefined,
    });
    expect(filterFromQuery({ q: ['a', 'b'], priority: 'whenever', view: 'list' })).toEqual({
      text: 'a',
      label: '',
      priority: '',
    });
  });
});
