import { describe, expect, it } from 'vitest';
import { lineDiff, withContext } from './line-diff';

describe('lineDiff', () => {
  it('numbers old and new lines and marks what changed', () => {
    const rows = lineDiff('a\nb\nc\n', 'a\nB\nc\nd\n');
    expect(rows).toEqual([
      { kind: 'same', text: 'a', oldLine: 1, newLine: 1 },
      { kind: 'removed', text: 'b', oldLine: 2, newLine: null },
      { kind: 'added', text: 'B', oldLine: null, newLine: 2 },
      { kind: 'same', text: 'c', oldLine: 3, newLine: 3 },
      { kind: 'added', text: 'd', oldLine: null, newLine: 4 },
    ]);
  });

  it('folds long unchanged stretches', () => {
    const before = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n');
    const after = before.replace('l10', 'changed');
    const shown = withContext(lineDiff(before, after), 2);
    expect(shown[0]).toEqual({ kind: 'fold', hidden: 8 });
    expect(shown.filter((r) => r.kind === 'added' || r.kind === 'removed')).toHaveLength(2);
    expect(shown[shown.length - 1]).toEqual({ kind: 'fold', hidden: 7 });
  });

  it('shows nothing changed for equal texts', () => {
    expect(withContext(lineDiff('x\ny', 'x\ny'))).toEqual([{ kind: 'fold', hidden: 2 }]);
  });
});
