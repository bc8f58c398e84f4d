/**
 * How far the control plane's JavaScript heap grows before V8 collects it again. V8's own factor rises with the
 * allocation rate (up to 4×): with 10,000 daemon sessions and 1,000 runs streaming, the process held 1.1–1.35 GiB
 * for a few hundred MiB live. Growing by 30 % at a time kept it at 759 MiB for a quarter core more
 * (docs/performance.md, "Fleet of 10,000 daemons"). It is the process's setting, so `openase serve` applies it,
 * before the server allocates anything; OPENASE_HEAP_GROWING_PERCENT sets another step, 0 leaves V8's own.
 */
import v8 from 'node:v8';

export const DEFAULT_HEAP_GROWING_PERCENT = 30;

/** The step from the environment: a whole percentage, or null for V8's own policy. */
export function heapGrowingPercent(env: NodeJS.ProcessEnv): number | null {
  const raw = env.OPENASE_HEAP_GROWING_PERCENT?.trim() || String(DEFAULT_HEAP_GROWING_PERCENT);
  const percent = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(percent >= 0 && percent <= 300))
    throw new Error(
      `OPENASE_HEAP_GROWING_PERCENT must be a whole number from 0 to 300 (0 = V8's own policy), got "${raw}"`,
    );
  return percent === 0 ? null : percent;
}

/** Sets the step for this process (V8 reads it at every collection); returns what was set. */
export function applyHeapPolicy(env: NodeJS.ProcessEnv): number | null {
  const percent = heapGrowingPercent(env);
  if (percent !== null) v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
  return percent;
}
