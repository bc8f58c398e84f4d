import type { RunEvent } from '@openase/shared/events/run-events';
import { describe, expect, it } from 'vitest';
import { exitMessage, TurnTracker } from './turns.js';

describe('TurnTracker', () => {
  it('numbers turns, emits start/finish once, and refuses turns past the limit', async () => {
    const events: RunEvent[] = [];
    const tracker = new TurnTracker(1, (e) => events.push(e), 'the prompt');
    const started = tracker.begin();
    if (!('done' in started)) throw new Error('expected a turn');
    expect(started.input).toBe('the prompt');
    expect(tracker.begin('x')).toMatchObject({ ok: false, message: 'a turn is already running in this session' });
    tracker.finish({ ok: true, reason: 'completed' });
    tracker.finish({ ok: false, reason: 'failed' });
    expect(await started.done).toEqual({ turn: 1, ok: true, reason: 'completed' });
    expect(tracker.begin()).toMatchObject({ ok: false, message: 'runTurn needs an input after the first turn' });
    expect(tracker.begin('more')).toMatchObject({ ok: false, reason: 'max_turns' });
    expect(events).toEqual([
      { type: 'turn.started', turn: 1 },
      { type: 'turn.finished', turn: 1, ok: true, reason: 'completed' },
      { type: 'error', message: 'the run reached its limit of 1 turns', fatal: true, code: 'max_turns' },
    ]);
  });

  it('explains a CLI exit', () => {
    expect(exitMessage('gemini', { code: 41, signal: null }, 'a\nb')).toBe('gemini exited with code 41: a | b');
    expect(exitMessage('codex', { code: null, signal: 'SIGKILL' }, '')).toBe('codex was killed by SIGKILL');
    expect(exitMessage('x', { code: null, signal: null, spawnError: 'could not start x: ENOENT' }, '')).toBe(
      'could not start x: ENOENT',
    );
  });
});
