/**
 * The one polling wait of the tests: `probe` until it returns something truthy (returned), an error thrown by it counts
 * as not yet (the last one is in the timeout's message). Looks again after 5 ms, then twice as long each time up to
 * `everyMs`: a state reached at once is seen at once, a long wait costs few probes (many are API calls).
 */
/** What a truthy value of T can be (`false` and the nullish ones never are). */
export type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>;

export async function waitFor<T>(
  what: string | (() => string),
  probe: () => T | Promise<T>,
  timeoutMs = 90_000,
  everyMs = 50,
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  let pause = Math.min(5, everyMs);
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as Truthy<T>;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${typeof what === 'function' ? what() : what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`,
      );
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(everyMs, pause * 2);
  }
}
