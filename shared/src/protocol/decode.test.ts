import { describe, expect, it } from 'vitest';
import { CONTROL_FRAME_TYPES, DAEMON_FRAME_TYPES, decodeFrame } from './decode.js';
import { MAX_FRAME_BYTES, controlFrameSchema, daemonFrameSchema } from './messages.js';

const hello = {
  type: 'hello',
  protocol: 1,
  version: '0.1.0',
  hostname: 'box',
  os: 'linux',
  arch: 'x64',
  labels: ['gpu'],
  slots: 2,
  clis: [{ name: 'claude', version: '2.1.0', path: '/usr/bin/claude' }],
  running: [],
};
const decodeDaemon = (raw: string) => decodeFrame(daemonFrameSchema, raw, DAEMON_FRAME_TYPES);

describe('protocol frame decoding', () => {
  it('accepts valid frames from both sides', () => {
    expect(decodeDaemon(JSON.stringify(hello))).toMatchObject({ ok: true, frame: { type: 'hello', slots: 2 } });
    const events = {
      type: 'run.events',
      runId: 'r1',
      leaseEpoch: 1,
      events: [{ seq: 1, ts: 0, event: { type: 'output', stream: 'stdout', text: 'x' } }],
    };
    expect(decodeDaemon(JSON.stringify(events)).ok).toBe(true);
    const offer = { type: 'run.offer', runId: 'r1', leaseEpoch: 3, spec: { kind: 'command', command: ['echo', 'hi'] } };
    expect(
      decodeFrame(controlFrameSchema, JSON.stringify({ ...offer, spec: { command: ['x'] } }), CONTROL_FRAME_TYPES),
    ).toMatchObject({ ok: false, message: expect.stringMatching(/spec/) });
    expect(decodeFrame(controlFrameSchema, JSON.stringify(offer), CONTROL_FRAME_TYPES).ok).toBe(true);
    expect(
      decodeFrame(
        controlFrameSchema,
        JSON.stringify({ type: 'run.interrupt', runId: 'r1', leaseEpoch: 2 }),
        CONTROL_FRAME_TYPES,
      ),
    ).toMatchObject({ ok: true, frame: { type: 'run.interrupt' } });
    expect(
      decodeFrame(controlFrameSchema, JSON.stringify({ type: 'run.interrupt', runId: 'r1' }), CONTROL_FRAME_TYPES).ok,
    ).toBe(false);
  });

  it('refuses non-JSON, non-objects, missing and unknown types with distinct codes', () => {
    expect(decodeDaemon('{"type": "hello"')).toMatchObject({
      ok: false,
      code: 'malformed_frame',
      message: expect.stringMatching(/not JSON/),
    });
    expect(decodeDaemon('[1,2]')).toMatchObject({ ok: false, code: 'malformed_frame' });
    expect(decodeDaemon('{"no":"type"}')).toMatchObject({
      ok: false,
      code: 'malformed_frame',
      message: expect.stringMatching(/no "type"/),
    });
    expect(decodeDaemon('{"type":"launch.missiles"}')).toMatchObject({ ok: false, code: 'unknown_type' });
    // A control-plane frame type is unknown when it comes from a daemon.
    expect(decodeDaemon('{"type":"run.offer"}')).toMatchObject({ ok: false, code: 'unknown_type' });
  });

  it('names the invalid field', () => {
    const bad = decodeDaemon(JSON.stringify({ ...hello, slots: 0 }));
    expect(bad).toMatchObject({
      ok: false,
      code: 'malformed_frame',
      message: expect.stringMatching(/invalid hello frame: slots/),
    });
    const badSeq = decodeDaemon(
      JSON.stringify({
        type: 'run.events',
        runId: 'r',
        leaseEpoch: 1,
        events: [{ seq: 0, ts: 0, event: { type: 'progress', message: 'x' } }],
      }),
    );
    expect(badSeq).toMatchObject({ ok: false, message: expect.stringMatching(/events\.0\.seq/) });
  });

  it('refuses oversized frames before parsing them', () => {
    const huge = JSON.stringify({ type: 'hello', pad: 'x'.repeat(MAX_FRAME_BYTES) });
    expect(decodeDaemon(huge)).toMatchObject({ ok: false, code: 'frame_too_large' });
  });
});
