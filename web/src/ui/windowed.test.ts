import { describe, expect, it } from 'vitest';
import { WINDOW_FROM, windowOf } from './windowed';

describe('windowOf', () => {
  it('renders a short list whole', () => {
    expect(windowOf(WINDOW_FROM, 5000, 800, 100)).toEqual({ start: 0, end: WINDOW_FROM, before: 0, after: 0 });
  });

  it('renders what is in view and a margin, with spacers standing for the rest', () => {
    const w = windowOf(5000, 0, 800, 100);
    expect(w).toEqual({ start: 0, end: 16, before: 0, after: (5000 - 16) * 100 });
    const mid = windowOf(5000, 250_000, 800, 100);
    expect(mid.start).toBe(2492);
    expect(mid.end).toBe(2516);
    // The spacers and the rendered items add up to the whole list's height.
    expect(mid.before + (mid.end - mid.start) * 100 + mid.after).toBe(5000 * 100);
  });

  it('keeps the last items reachable when scrolled past the end', () => {
    const w = windowOf(1000, 10_000_000, 800, 100);
    expect(w.end).toBe(1000);
    expect(w.start).toBeLessThan(1000);
    expect(w.after).toBe(0);
  });
});
