import { describe, expect, it } from 'vitest';
import { gateVerdict, turnChangedFiles } from './turns.js';
import { decideRetry } from './retry-policy.js';

describe('turn decisions (pure parts)', () => {
  it("a failed gate's verdict is the last line of its output, npm's epilogue skipped", () => {
    const npm = [
      'The before_finish check `npm test` failed with exit code 1. Its output:',
      '',
      '> app@ test',
      'FAIL check.js: expected login.ok to be true, got false',
      'npm error Lifecycle script `test` failed with error:',
      'npm error code 1',
      'npm notice New major version of npm available!',
    ].join('\n');
    expect(gateVerdict(npm)).toBe('FAIL check.js: expected login.ok to be true, got false');
    expect(gateVerdict('x\n' + 'y'.repeat(400))).toMatch(/^y{299}…$/);
    expect(gateVerdict('ok 1\nnot ok 2 login fails\n1 of 2 passed')).toBe('not ok 2 login fails');
    expect(gateVerdict('  \n')).toBe('no output');
  });

  it('a turn changed files when a branch head moved since the last turn (or since the base on turn 1)', () => {
    const c = (head: string) => [{ repo: 'app', branch: 'b', head, base: 'base', pushed: true }];
    expect(turnChangedFiles(null, c('base'))).toBe(false);
    expect(turnChangedFiles(null, c('h1'))).toBe(true);
    expect(turnChangedFiles(c('h1'), c('h1'))).toBe(false);
    expect(turnChangedFiles(c('h1'), c('h2'))).toBe(true);
    expect(turnChangedFiles(null, [])).toBe(false);
  });

  it("the ticket's retry and park reasons say why the last run ended", () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const parked = decideRetry({
      attempts: 3,
      maxAttempts: 3,
      now,
      endedAs: 'failed',
      why: 'the checks before finishing failed on the last turn (20): no test runner found',
    });
    expect(parked.reason).toMatch(
      /^stopped after 3 of 3 attempts \(last run failed: the checks before finishing failed on the last turn \(20\): no test runner found\)/,
    );
  });
});
