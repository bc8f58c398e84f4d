/**
 * Reads "when may we try again" out of a CLI's rate-limit message. CLIs phrase it differently:
 * an ISO time, a Unix epoch (`…limit reached|1795500000`, `resets_at: 1795500000`), or a delay
 * ("retry after 30 seconds", "Please retry in 37.8s", "try again in 5 minutes").
 * Returns an ISO time, or undefined when the message states none.
 */
export function parseResetAt(message: string, now: number = Date.now()): string | undefined {
  const iso = /\b(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))/.exec(message);
  if (iso) {
    const time = Date.parse(iso[1]!);
    if (!Number.isNaN(time)) return new Date(time).toISOString();
  }
  const epoch = /(?:\||reset[s_ ]*(?:at)?["']?\s*[:=]?\s*)(\d{10}(?:\d{3})?)\b/i.exec(message);
  if (epoch) {
    const value = Number(epoch[1]);
    return new Date(epoch[1]!.length === 13 ? value : value * 1000).toISOString();
  }
  const delay =
    /(?:retry|try again)\s+(?:after|in)\s+(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hours?)\b/i.exec(
      message,
    );
  if (delay) {
    const amount = Number(delay[1]);
    const unit = delay[2]!.toLowerCase();
    const ms =
      unit.startsWith('ms') || unit.startsWith('milli')
        ? amount
        : unit.startsWith('h')
          ? amount * 3_600_000
          : unit.startsWith('m')
            ? amount * 60_000
            : amount * 1000;
    return new Date(now + Math.ceil(ms)).toISOString();
  }
  // Codex, when the reset falls on another day: "Try again at Nov 25th, 2026 12:08 AM." (local time).
  const dated =
    /try again at ([A-Z][a-z]{2})[a-z]*\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4}),? (\d{1,2}):(\d{2})\s*(AM|PM)?/i.exec(
      message,
    );
  if (dated) {
    const month = MONTHS.indexOf(dated[1]!.toLowerCase());
    if (month >= 0) {
      let hours = Number(dated[4]) % (dated[6] ? 12 : 24);
      if (dated[6]?.toUpperCase() === 'PM') hours += 12;
      const at = new Date(Number(dated[3]), month, Number(dated[2]), hours, Number(dated[5]), 0, 0);
      return new Date(at.getTime() + 60_000).toISOString();
    }
  }
  // Codex: "Try again at 11:22 PM." (local time of day, minutes only): the next such time, plus a
  // minute so the cut seconds never make us early.
  const clock = /try again at (\d{1,2}):(\d{2})\s*(AM|PM)?/i.exec(message);
  if (clock) {
    let hours = Number(clock[1]) % (clock[3] ? 12 : 24);
    if (clock[3]?.toUpperCase() === 'PM') hours += 12;
    const at = new Date(now);
    at.setHours(hours, Number(clock[2]), 0, 0);
    if (at.getTime() <= now - 60_000) at.setDate(at.getDate() + 1);
    return new Date(at.getTime() + 60_000).toISOString();
  }
  return undefined;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** True when an error message or HTTP status means "rate limited / quota" rather than a failure. */
export function isRateLimit(message: string, status?: number | null): boolean {
  if (status === 429) return true;
  return /\b429\b|rate[ _-]?limit|too many requests|usage limit|quota|RESOURCE_EXHAUSTED/i.test(message);
}
