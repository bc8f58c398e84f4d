import { describe, expect, it } from 'vitest';
import { budgetExceeded, overrun } from './enforcement.js';

const at = (min: number) => new Date(Date.UTC(2026, 0, 1, 0, min));
const harness = { timeout_minutes: 60, stall_timeout_minutes: 5 };

describe('enforced limits', () => {
  it('times out after timeout_minutes from the start, whatever the agent says', () => {
    const run = { state: 'running' as const, createdAt: at(0), startedAt: at(1), lastEventAt: at(61) };
    expect(overrun(run, harness, at(61))).toBeNull();
    expect(overrun(run, harness, at(62))).toEqual({ as: 'timed_out', reason: 'ran longer than timeout_minutes (60)' });
  });

  it('stalls after stall_timeout_minutes without an event (counting from the start when there is none)', () => {
    expect(
      overrun({ state: 'running', createdAt: at(0), startedAt: at(0), lastEventAt: at(10) }, harness, at(15)),
    ).toBeNull();
    expect(
      overrun({ state: 'running', createdAt: at(0), startedAt: at(0), lastEventAt: at(10) }, harness, at(16)),
    ).toMatchObject({ as: 'stalled' });
    expect(
      overrun({ state: 'preparing', createdAt: at(0), startedAt: null, lastEventAt: null }, harness, at(6)),
    ).toMatchObject({ as: 'stalled' });
    expect(
      overrun({ state: 'queued', createdAt: at(0), startedAt: null, lastEventAt: null }, harness, at(600)),
    ).toBeNull();
  });

  it('spends a budget when the cost reaches it, the ticket’s or the workflow’s', () => {
    expect(budgetExceeded(0.99, 1, null)).toBeNull();
    expect(budgetExceeded(1, 1, null)).toMatch(/the ticket budget of \$1\.00 is spent/);
    expect(budgetExceeded(2, null, 1.5)).toMatch(/the workflow's per-ticket budget of \$1\.50/);
    expect(budgetExceeded(100, null, null)).toBeNull();
    // A small budget is shown as set, not rounded to $0.00.
    expect(budgetExceeded(0.006, 0.003, null)).toBe('the ticket budget of $0.003 is spent ($0.006)');
  });
});
