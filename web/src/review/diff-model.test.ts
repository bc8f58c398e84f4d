import { describe, expect, it } from 'vitest';
import { parseUnifiedDiff } from '@openase/shared';
import { highlightRows, rowsOf } from './diff-model';

const patch = (n: number) =>
  [
    'diff --git a/app.js b/app.js',
    '--- a/app.js',
    '+++ b/app.js',
    `@@ -1,1 +1,${n + 1} @@`,
    ' const a = 1;',
    ...Array.from({ length: n }, (_, i) => `+const value${i} = "text ${i}"; // note`),
  ].join('\n') + '\n';

describe('a big file: plain first, highlighted after', () => {
  it('colours the plain rows in place to what highlighting at once gives', async () => {
    const file = parseUnifiedDiff(patch(50))[0]!;
    const plain = rowsOf(file, { highlight: false });
    expect(plain[2]!.html).toBe('const value0 = &quot;text 0&quot;; // note');
    let yields = 0;
    const done = await highlightRows(
      file,
      plain,
      () => false,
      async () => void yields++,
    );
    expect(done).toBe(true);
    expect(plain).toEqual(rowsOf(file));
    expect(plain[2]!.html).toContain('hljs-string');
    expect(yields).toBeGreaterThan(0);
  });

  it('stops when the view moved on (another file, collapsed, closed)', async () => {
    const file = parseUnifiedDiff(patch(1000))[0]!;
    const plain = rowsOf(file, { highlight: false });
    let slices = 0;
    const done = await highlightRows(
      file,
      plain,
      () => slices >= 2,
      async () => void slices++,
    );
    expect(done).toBe(false);
    expect(plain[2]!.html).toContain('hljs-');
    expect(plain[900]!.html).not.toContain('hljs-');
  });
});
