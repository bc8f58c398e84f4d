/** A FleetHub session's transport in memory: keeps the frames sent to the daemon and the first close. */
import type { ControlFrame } from '@openase/shared';
import type { FrameSink } from '../src/fleet/session.js';

export class MemorySink implements FrameSink {
  frames: ControlFrame[] = [];
  closedWith: { code: number; reason: string } | null = null;
  send(frame: ControlFrame) {
    this.frames.push(frame);
  }
  close(code: number, reason: string) {
    this.closedWith ??= { code, reason };
  }
}
