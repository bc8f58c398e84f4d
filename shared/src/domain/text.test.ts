import { describe, expect, it } from 'vitest';
import { excerpt } from './text.js';

describe('excerpt', () => {
  it('puts a text on one line and cuts it with an ellipsis, never inside a character', () => {
    expect(excerpt('  looks\n\n good\t', 120)).toBe('looks good');
    const long = `${'word '.repeat(40)}end`;
    const cut = excerpt(long, 20);
    expect([...cut]).toHaveLength(20);
    expect(cut).toMatch(/^word word .*…$/);
    expect(excerpt('ab😀😀😀', 4)).toBe('ab😀…');
  });
});
