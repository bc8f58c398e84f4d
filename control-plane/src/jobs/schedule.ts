/**
 * A job's schedule: a cron expression (5 fields, or 6 with seconds first) evaluated by croner in
 * an IANA time zone, so 09:00 Europe/Berlin stays 09:00 across DST. Croner's DST rules (pinned by
 * schedule.test.ts and documented in docs/jobs.md): a wall-clock time skipped by spring-forward
 * fires once an hour later; a time repeated by fall-back fires once, at its first occurrence.
 */
import { Cron } from 'croner';
import { badRequest, isValidTimeZone } from '@openase/shared';

export interface Schedule {
  readonly cron: string;
  readonly timeZone: string;
  /** The first scheduled time strictly after `after`, or null if there is none. */
  next(after: Date): Date | null;
  /** The last scheduled time strictly before `before`, or null. */
  previous(before: Date): Date | null;
}

/** Parses and checks a schedule; a clear BAD_REQUEST error when the cron or the zone is broken. */
export function parseSchedule(cron: string, timeZone: string): Schedule {
  if (!isValidTimeZone(timeZone))
    throw badRequest(
      `unknown time zone "${timeZone}"; use an IANA name such as Europe/Berlin, America/New_York or UTC`,
    );
  let pattern: Cron;
  try {
    pattern = new Cron(cron.trim(), { timezone: timeZone, paused: true, mode: '5-or-6-parts' });
  } catch (err) {
    throw badRequest(
      `invalid cron expression "${cron}": ${cleanCronError(err)}; expected 5 fields (minute hour day-of-month month day-of-week, e.g. "0 9 * * 1-5") or 6 with seconds first`,
    );
  }
  const schedule: Schedule = {
    cron: cron.trim(),
    timeZone,
    next(after) {
      const found = pattern.nextRun(after);
      // Croner can return the same instant twice around a spring-forward gap; keep time moving.
      if (found && found.getTime() <= after.getTime()) return pattern.nextRun(new Date(after.getTime() + 1000));
      return found;
    },
    previous: (before) => pattern.previousRuns(1, before)[0] ?? null,
  };
  if (!schedule.next(new Date())) throw badRequest(`cron expression "${cron}" never fires`);
  return schedule;
}

function cleanCronError(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/^Cron\w*:\s*/, '');
}

/** The next `count` scheduled times after `after`. */
export function nextTimes(schedule: Schedule, after: Date, count: number): Date[] {
  const times: Date[] = [];
  let cursor = after;
  while (times.length < count) {
    const next = schedule.next(cursor);
    if (!next) break;
    times.push(next);
    cursor = next;
  }
  return times;
}

export interface DueTimes {
  /** Scheduled times older than the grace period: missed while no control plane ran. */
  missed: { count: number; capped: boolean; first: Date | null; last: Date | null };
  /** Scheduled times within the grace period: fired normally. */
  onTime: Date[];
  /** The first scheduled time after `now`: the job's new `next_fire_at`. */
  nextAfter: Date | null;
}

/** Caps the enumeration of missed times (a per-second job down for a day has 86 400). */
const MISSED_COUNT_CAP = 1_000;

/**
 * Splits the scheduled times from `from` (inclusive: the job's stored next fire time) up to `now`
 * into missed and on-time ones. A time is on time while `now - time <= graceMs`.
 */
export function dueTimes(schedule: Schedule, from: Date, now: Date, graceMs: number): DueTimes {
  const cutoff = now.getTime() - graceMs;
  const missed: DueTimes['missed'] = { count: 0, capped: false, first: null, last: null };
  const onTime: Date[] = [];
  let time: Date | null = from;
  while (time && time.getTime() <= now.getTime()) {
    if (time.getTime() < cutoff) {
      if (missed.count >= MISSED_COUNT_CAP) {
        // Jump to the last missed time instead of walking through all of them.
        missed.capped = true;
        const last = schedule.previous(new Date(cutoff));
        if (last && last.getTime() > time.getTime()) missed.last = last;
        else missed.last = time;
        time = schedule.next(missed.last);
        continue;
      }
      missed.count++;
      missed.first ??= time;
      missed.last = time;
    } else onTime.push(time);
    time = schedule.next(time);
  }
  return { missed, onTime, nextAfter: time };
}
