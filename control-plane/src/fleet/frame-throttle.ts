/**
 * Throttles of one daemon connection (docs/security.md, "Throttles"): a token bucket of frames
 * (a daemon's normal traffic — event batches every 100 ms per run, heartbeats — stays far below
 * it), a budget of refused frames (junk is not answered forever), and a cap on the warnings one
 * connection may write to the log. Over either limit the connection is closed with 4429; the
 * daemon reconnects after its backoff. Plain state, no timers: the caller passes the time.
 */
export interface FrameLimits {
  /** Frames per second a connection may sustain. */
  framesPerSecond: number;
  /** Frames it may send in a burst above that rate. */
  frameBurst: number;
  /** Refused (malformed, unknown, out-of-order) frames allowed per `windowMs`. */
  refusedPerWindow: number;
  /** Warnings written to the log per `windowMs`; the rest are counted and summarized. */
  logsPerWindow: number;
  windowMs: number;
}

export const DEFAULT_FRAME_LIMITS: FrameLimits = {
  framesPerSecond: 1000,
  frameBurst: 3000,
  refusedPerWindow: 100,
  logsPerWindow: 20,
  windowMs: 10_000,
};

export type ThrottleVerdict = { ok: true } | { ok: false; reason: string };

export class FrameThrottle {
  private tokens: number;
  private refilledAt: number;
  private windowStart: number;
  private refused = 0;
  private logged = 0;
  private suppressed = 0;

  constructor(
    private readonly limits: FrameLimits,
    now: number,
  ) {
    this.tokens = limits.frameBurst;
    this.refilledAt = now;
    this.windowStart = now;
  }

  /** One frame arrived. */
  frame(now: number): ThrottleVerdict {
    this.tokens = Math.min(
      this.limits.frameBurst,
      this.tokens + ((now - this.refilledAt) / 1000) * this.limits.framesPerSecond,
    );
    this.refilledAt = now;
    if (this.tokens < 1)
      return {
        ok: false,
        reason: `more than ${this.limits.framesPerSecond} frames/s (burst ${this.limits.frameBurst})`,
      };
    this.tokens -= 1;
    return { ok: true };
  }

  /** A frame was refused; over the budget the connection should close. */
  refusedFrame(now: number): ThrottleVerdict {
    this.roll(now);
    this.refused++;
    if (this.refused > this.limits.refusedPerWindow)
      return {
        ok: false,
        reason: `more than ${this.limits.refusedPerWindow} refused frames in ${this.limits.windowMs / 1000} s`,
      };
    return { ok: true };
  }

  /**
   * May this connection write a warning now? Returns null when not; otherwise how many were
   * suppressed since the last one written (to say so in it).
   */
  mayLog(now: number): { suppressed: number } | null {
    this.roll(now);
    if (this.logged >= this.limits.logsPerWindow) {
      this.suppressed++;
      return null;
    }
    this.logged++;
    const suppressed = this.suppressed;
    this.suppressed = 0;
    return { suppressed };
  }

  private roll(now: number): void {
    if (now - this.windowStart < this.limits.windowMs) return;
    this.windowStart = now;
    this.refused = 0;
    this.logged = 0;
  }
}
