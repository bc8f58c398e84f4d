import { describe, expect, it } from 'vitest';
import { anchorToDiff } from './review-anchors.js';

const patch = [
  'diff --git a/greet.js b/greet.js',
  'index 1111111..2222222 100644',
  '--- a/greet.js',
  '+++ b/greet.js',
  '@@ -1,3 +1,3 @@',
  ' // greet',
  "-module.exports = 'hi';",
  "+module.exports = 'hello';",
  ' // end',
  '',
].join('\n');
const head = 'a'.repeat(40);
type Repo = { repo: string; patch: string; head: string | null; tooLarge: boolean };
const diff = (repos: Repo[] = [{ repo: 'app', patch, head, tooLarge: false }]) => ({ identifier: 'DEMO-1', repos });
const line = (path: string, n: number, side: 'new' | 'old' = 'new') => ({ anchor: { path, line: n, side }, body: 'x' });

describe('anchorToDiff', () => {
  it("fills the line's text and the head commit of a line the diff shows, on either side", () => {
    expect(anchorToDiff([line('greet.js', 2), line('greet.js', 2, 'old'), line('greet.js', 3)], diff())).toEqual([
      {
        anchor: { path: 'greet.js', line: 2, side: 'new', commit: head, text: "module.exports = 'hello';" },
        body: 'x',
      },
      { anchor: { path: 'greet.js', line: 2, side: 'old', commit: head, text: "module.exports = 'hi';" }, body: 'x' },
      { anchor: { path: 'greet.js', line: 3, side: 'new', commit: head, text: '// end' }, body: 'x' },
    ]);
  });

  it('refuses a file the ticket does not change and a line the diff does not show, naming each', () => {
    expect(() => anchorToDiff([line('greet.ts', 1), line('greet.js', 40)], diff())).toThrow(
      "greet.ts is not among the files DEMO-1 changes; greet.js:40 is not a line of DEMO-1's diff; the diff shows lines 1–3 of it. A line comment goes on a changed line or the lines around it (`openase ticket diff DEMO-1`)",
    );
  });

  it('names the repository when there are several, and lets through what a cut diff cannot show', () => {
    const two = diff([
      { repo: 'api', patch: '', head: null, tooLarge: false },
      { repo: 'app', patch, head, tooLarge: false },
    ]);
    expect(anchorToDiff([line('greet.js', 2)], two)[0]!.anchor).toMatchObject({ repo: 'app', commit: head });
    const cut = diff([{ repo: 'app', patch, head, tooLarge: true }]);
    expect(anchorToDiff([line('other.js', 5)], cut)).toEqual([line('other.js', 5)]);
  });
});
