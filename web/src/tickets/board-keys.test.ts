import { describe, expect, it } from 'vitest';
import { nextCard, pick, rangeOf } from './board-keys';

const columns = [['A-1', 'A-2', 'A-3'], [], ['A-4']];

describe('board keys', () => {
  it('moves the focus down, up and sideways, skipping empty columns', () => {
    expect(nextCard(columns, null, 'down')).toBe('A-1');
    expect(nextCard(columns, 'A-1', 'down')).toBe('A-2');
    expect(nextCard(columns, 'A-3', 'down')).toBeNull();
    expect(nextCard(columns, 'A-2', 'up')).toBe('A-1');
    expect(nextCard(columns, 'A-1', 'up')).toBeNull();
    expect(nextCard(columns, 'A-3', 'right')).toBe('A-4');
    expect(nextCard(columns, 'A-4', 'left')).toBe('A-1');
    expect(nextCard(columns, 'A-4', 'right')).toBeNull();
  });

  it('picks ranges with shift and toggles without', () => {
    const order = ['a', 'b', 'c', 'd'];
    expect(rangeOf(order, 'c', 'a')).toEqual(['a', 'b', 'c']);
    expect(pick([], order, 'b', false)).toEqual(['b']);
    expect(pick(['b'], order, 'b', false)).toEqual([]);
    expect(pick(['b'], order, 'd', true)).toEqual(['b', 'c', 'd']);
    expect(pick(['a', 'c'], order, 'd', true)).toEqual(['a', 'c', 'd']);
  });
});
