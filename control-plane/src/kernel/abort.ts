/** Resolves when `signal` aborts (at once if it already has; never without a signal). */
export function whenAborted(signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) resolve();
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
}
