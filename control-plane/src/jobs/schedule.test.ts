import { describe, expect, it } from 'vitest';
import { OpenaseError } from '@openase/shared';
import { dueTimes, nextTimes, parseSchedule } from './schedule.js';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('schedules in a time zone', () => {
  it('keeps 09:00 on weekdays at 09:00 Berlin time across the spring-forward change', () => {
    const schedule = parseSchedule('0 9 * * 1-5', 'Europe/Berlin');
    // Friday 27 March is CET (UTC+1); Monday 30 March is CEST (UTC+2).
    expect(iso(nextTimes(schedule, new Date('2026-03-27T00:00:00Z'), 3))).toEqual([
      '2026-03-27T08:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
      '2026-03-31T07:00:00.000Z',
    ]);
  });

  it('fires a time skipped by spring-forward once, an hour later', () => {
    // 29 March 2026: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist that day.
    const schedule = parseSchedule('30 2 * * *', 'Europe/Berlin');
    expect(iso(nextTimes(schedule, new Date('2026-03-28T00:00:00Z'), 3))).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
    const hourly = parseSchedule('0 * * * *', 'Europe/Berlin');
    // 01:00 CET, then 03:00 CEST (the gap's 02:00 lands on it: one fire, not two), then 04:00 CEST.
    expect(iso(nextTimes(hourly, new Date('2026-03-28T23:30:00Z'), 4))).toEqual([
      '2026-03-29T00:00:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T02:00:00.000Z',
      '2026-03-29T03:00:00.000Z',
    ]);
  });

  it('fires a time repeated by fall-back once, at its first occurrence', () => {
    // 25 October 2026: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice.
    const schedule = parseSchedule('30 2 * * *', 'Europe/Berlin');
    expect(iso(nextTimes(schedule, new Date('2026-10-24T12:00:00Z'), 2))).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
    const hourly = parseSchedule('0 * * * *', 'Europe/Berlin');
    // 02:00 CEST (00:00Z) fires; the repeated 02:00 CET (01:00Z) does not; 03:00 CET (02:00Z) does.
    expect(iso(nextTimes(hourly, new Date('2026-10-24T23:30:00Z'), 3))).toEqual([
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T02:00:00.000Z',
      '2026-10-25T03:00:00.000Z',
    ]);
  });

  it('accepts six fields with seconds first', () => {
    const schedule = parseSchedule('*/2 * * * * *', 'UTC');
    expect(iso(nextTimes(schedule, new Date('2026-01-01T00:00:00.500Z'), 2))).toEqual([
      '2026-01-01T00:00:02.000Z',
      '2026-01-01T00:00:04.000Z',
    ]);
  });

  it('refuses a broken cron expression or time zone with a clear error', () => {
    const fail = (cron: string, tz: string) => {
      try {
        parseSchedule(cron, tz);
      } catch (err) {
        expect(err).toBeInstanceOf(OpenaseError);
        expect((err as OpenaseError).code).toBe('BAD_REQUEST');
        return (err as Error).message;
      }
      throw new Error(`"${cron}" in ${tz} was accepted`);
    };
    expect(fail('61 * * * *', 'UTC')).toMatch(
      /invalid cron expression "61 \* \* \* \*": Invalid value for minute: 61; expected 5 fields/,
    );
    expect(fail('every day', 'UTC')).toMatch(/invalid cron expression/);
    expect(fail('* * * * * * *', 'UTC')).toMatch(/invalid cron expression/);
    expect(fail('0 9 * * *', 'Europe/Berln')).toMatch(/unknown time zone "Europe\/Berln"; use an IANA name/);
    expect(fail('0 0 30 2 *', 'UTC')).toMatch(/never fires|invalid cron/);
  });
});

describe('due times', () => {
  const daily = parseSchedule('0 9 * * *', 'Europe/Berlin');
  const from = new Date('2026-05-01T07:00:00Z');

  it('splits missed times from on-time ones by the grace period', () => {
    const times = dueTimes(daily, from, new Date('2026-05-04T07:00:30Z'), 120_000);
    expect(times.missed.count).toBe(3);
    expect(times.missed.first!.toISOString()).toBe('2026-05-01T07:00:00.000Z');
    expect(times.missed.last!.toISOString()).toBe('2026-05-03T07:00:00.000Z');
    expect(iso(times.onTime)).toEqual(['2026-05-04T07:00:00.000Z']);
    expect(times.nextAfter!.toISOString()).toBe('2026-05-05T07:00:00.000Z');
  });

  it('counts a long outage of a per-second job without walking it all', () => {
    const perSecond = parseSchedule('* * * * * *', 'UTC');
    const start = new Date('2026-05-01T00:00:00Z');
    const times = dueTimes(perSecond, start, new Date('2026-05-02T00:00:00Z'), 120_000);
    expect(times.missed.capped).toBe(true);
    expect(times.missed.last!.toISOString()).toBe('2026-05-01T23:57:59.000Z');
    expect(times.onTime).toHaveLength(121);
  });
});
