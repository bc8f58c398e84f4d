import { describe, expect, it } from 'vitest';
import { describeRunEvent, runEventDetail, runEventLabel, turnEndWords, TURN_END_WORDS } from './describe.js';
import { HOOK_WORDS } from '../domain/hook-words.js';
import { HOOK_POINTS } from '../protocol/agent-run.js';

describe('describeRunEvent: one line per run event, for the terminal and the console', () => {
  it('describes hooks and workspace steps with their outcome', () => {
    expect(
      describeRunEvent({
        type: 'hook',
        hook: 'before_turn',
        command: 'make lint',
        status: 'failed',
        policy: 'block',
        exitCode: 2,
      }),
    ).toEqual({ text: 'the before-turn checks failed (exit 2): make lint', tone: 'bad' });
    // A multi-line script: its first line on the row, the whole script once, in the finished row's detail.
    const script = 'set -e\nnpm ci\nnpm run lint';
    const started = {
      type: 'hook',
      hook: 'after_create',
      command: script,
      status: 'started',
      policy: 'block',
    } as const;
    const passed = { ...started, status: 'passed', exitCode: 0, output: 'lint clean' } as const;
    // A hook name this code does not know (a newer daemon's) still reads as words.
    expect(describeRunEvent(started).text).toBe('the after-create hook started: set -e …');
    expect(describeRunEvent(passed).text).toBe('the after-create hook passed (exit 0): set -e …');
    expect(runEventDetail(started)).toBeNull();
    expect(runEventDetail(passed)).toBe(`${script}\n\nlint clean`);
    expect(describeRunEvent({ type: 'workspace', step: 'push', ok: true, message: 'pushed agent/DEMO-1' }).tone).toBe(
      'ok',
    );
  });

  it('says every hook by what it is, never its name, and when a failure lets the run go on', () => {
    const hook = (name: string, status: 'passed' | 'failed' | 'timed_out', policy: 'block' | 'warn' = 'block') =>
      describeRunEvent({ type: 'hook', hook: name, command: 'npm test', status, policy, exitCode: 1 }).text;
    expect(hook('before_finish', 'failed')).toBe('the checks before finishing failed (exit 1): npm test');
    expect(hook('after_turn', 'failed', 'warn')).toBe(
      'the after-turn checks failed (exit 1; reported, the run goes on): npm test',
    );
    expect(hook('on_claim', 'timed_out')).toBe('the setup on taking the ticket timed out (exit 1): npm test');
    for (const point of HOOK_POINTS) {
      expect(hook(point, 'passed')).not.toContain(point);
      expect(HOOK_WORDS[point].when).not.toMatch(/_/);
    }
  });

  it('says where a cost came from and what a workspace step did in words, its details as lines, never JSON', () => {
    expect(describeRunEvent({ type: 'cost', usd: 0.5, source: 'pricing', turn: 2 }).text).toBe(
      "cost $0.5000 (estimated from the agent's prices) (turn 2)",
    );
    expect(describeRunEvent({ type: 'workspace', step: 'paths', ok: true, message: '2 path(s) changed' }).text).toBe(
      'path rules: 2 path(s) changed',
    );
    const detail = runEventDetail({
      type: 'workspace',
      step: 'prepare',
      ok: true,
      message: 'workspace ready',
      details: { dir: '/w', repos: [{ name: 'api', branch: 'openase/D-1' }], changed: [] },
    });
    expect(detail).toBe('dir: /w\nrepos:\n  - name: api\n    branch: openase/D-1\nchanged: none');
  });

  it('describes tool calls, results and commands in one line each', () => {
    expect(describeRunEvent({ type: 'tool.call', id: 't1', name: 'Read', input: { file_path: 'a.ts' } }).text).toBe(
      'tool Read: a.ts',
    );
    expect(describeRunEvent({ type: 'tool.call', id: 't2', name: 'Bash', input: { command: 'npm test' } }).text).toBe(
      'tool Bash: npm test',
    );
    expect(describeRunEvent({ type: 'tool.result', id: 't1', ok: false, output: 'no such file\nmore' })).toEqual({
      text: 'tool failed: no such file …',
      tone: 'bad',
    });
    expect(describeRunEvent({ type: 'command', command: 'npm test', status: 'failed', exitCode: 1 })).toEqual({
      text: '$ npm test failed (exit 1)',
      tone: 'bad',
    });
    expect(describeRunEvent({ type: 'file.change', kind: 'update', path: 'src/a.ts' }).text).toBe('update src/a.ts');
  });

  it("gives the agent's last words after the outcome, unless they only repeat it", () => {
    const result = (ok: boolean, text?: string, reason?: string) =>
      describeRunEvent({ type: 'result', ok, text, reason }).text;
    expect(result(true, 'done')).toBe('result: done');
    expect(result(true, ' Done. ')).toBe('result: done');
    expect(result(false, 'FAILED!', 'the API refused the key')).toBe('result: failed (the API refused the key)');
    expect(result(true, 'Done: the tests pass.')).toBe('result: done — Done: the tests pass.');
    // Words that differ from the outcome are news, even a bare "failed" after done.
    expect(result(true, 'failed')).toBe('result: done — failed');
    expect(result(false)).toBe('result: failed');
  });

  it('says why a turn ended and what went wrong in words, never the reason or error code', () => {
    const finished = (reason?: string, ok = false) => describeRunEvent({ type: 'turn.finished', turn: 2, ok, reason });
    expect(finished('max_turns').text).toBe('turn 2 failed: the run reached its limit of turns');
    expect(finished('rate_limited').text).toBe("turn 2 failed: the model provider's rate limit was reached");
    expect(finished('interrupted').text).toBe('turn 2 failed: interrupted');
    expect(finished('completed', true).text).toBe('turn 2 finished');
    expect([turnEndWords(undefined), turnEndWords('auth'), turnEndWords('sandbox_refused')]).toEqual([
      'the agent reported a failure',
      'the agent program is not signed in to its model provider',
      'sandbox refused',
    ]);
    for (const words of Object.values(TURN_END_WORDS)) expect(words).not.toMatch(/_/);
    expect(
      describeRunEvent({
        type: 'error',
        message: 'the run reached its limit of 3 turns',
        fatal: true,
        code: 'max_turns',
      }).text,
    ).toBe('fatal error: the run reached its limit of 3 turns');
  });

  it('tags rows in words, never with the wire name', () => {
    expect(runEventLabel('turn.started')).toBe('turn');
    expect(runEventLabel('rate_limit')).toBe('rate limit');
    expect(runEventLabel('workspace')).toBe('workspace');
    // A type newer than this code still reads as words.
    expect(runEventLabel('sandbox.notice')).toBe('sandbox notice');
  });
});
