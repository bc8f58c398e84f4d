/**
 * Keyboard work on the board, as plain functions: where j/k/h/l (or the arrows) move the focus, and which
 * tickets a shift-click picks. `columns` are the identifiers of each column in order (the list view is one column).
 */
export type Direction = 'up' | 'down' | 'left' | 'right';

export const KEY_DIRECTIONS: Record<string, Direction> = {
  j: 'down',
  ArrowDown: 'down',
  k: 'up',
  ArrowUp: 'up',
  h: 'left',
  ArrowLeft: 'left',
  l: 'right',
  ArrowRight: 'right',
};

/** The card the focus moves to (null: stay). With nothing focused, the first card of the board. */
export function nextCard(columns: string[][], current: string | null, direction: Direction): string | null {
  const col = current === null ? -1 : columns.findIndex((c) => c.includes(current));
  if (col < 0) return columns.find((c) => c.length)?.[0] ?? null;
  const row = columns[col]!.indexOf(current!);
  if (direction === 'down') return columns[col]![row + 1] ?? null;
  if (direction === 'up') return row > 0 ? columns[col]![row - 1]! : null;
  // Sideways: the nearest column that has cards, at the same row or its last card.
  const step = direction === 'right' ? 1 : -1;
  for (let c = col + step; c >= 0 && c < columns.length; c += step) {
    const cards = columns[c]!;
    if (cards.length) return cards[Math.min(row, cards.length - 1)]!;
  }
  return null;
}

/** The tickets from `from` to `to`, both included, in board order (shift-click picks a range). */
export function rangeOf(order: string[], from: string, to: string): string[] {
  const a = order.indexOf(from);
  const b = order.indexOf(to);
  if (a < 0 || b < 0) return [to];
  return order.slice(Math.min(a, b), Math.max(a, b) + 1);
}

/** The selection after a click on a ticket's checkbox: toggled, or with shift the range from the last one picked. */
export function pick(selected: string[], order: string[], id: string, shift: boolean): string[] {
  const last = selected[selected.length - 1];
  if (shift && last && last !== id) {
    const range = rangeOf(order, last, id);
    return [...selected, ...range.filter((r) => !selected.includes(r))];
  }
  return selected.includes(id) ? selected.filter((s) => s !== id) : [...selected, id];
}
