/** The loading / loaded / error bookkeeping every store and form repeats, in one place. */
import { ref } from 'vue';
import { comesBack, errorMessage } from '../api/errors';
import { liveState, onResync } from '../live/live';

/**
 * For a call that failed because the server cannot be reached or is shutting down: flags the outage
 * (the top bar's "reconnecting" banner) and runs `retry` once the live stream is back. Returns false
 * for any other error, which the caller shows as usual.
 */
export function retryWhenBack(err: unknown, retry: () => void): boolean {
  if (!comesBack(err)) return false;
  liveState.unreachable = true;
  const off = onResync(() => {
    off();
    retry();
  });
  return true;
}

export interface LoadState {
  loading: boolean;
  loaded: boolean;
  error: string | null;
}

/** A load not started yet: how a store's or a page's LoadState begins. */
export const notLoaded = (): LoadState => ({ loading: false, loaded: false, error: null });

/**
 * Runs a load and records its outcome on `state`. `work` returns `false` when its answer arrived
 * too late to matter (the user moved on), which then leaves the state as it is. When the server
 * cannot be reached and something is already shown, it stays on screen: the top bar says the
 * console is reconnecting, and every store reloads once the live stream is back (live.ts).
 */
export async function trackLoad(state: LoadState, work: () => Promise<boolean | void>): Promise<void> {
  state.loading = true;
  try {
    if ((await work()) !== false) {
      state.error = null;
      state.loaded = true;
    }
  } catch (err) {
    // Stores reload on resync themselves (their follow()), so nothing to retry here.
    if (!(state.loaded && retryWhenBack(err, () => {}))) state.error = errorMessage(err);
  } finally {
    state.loading = false;
  }
}

/**
 * Runs a page's load and records how it went on `state`: its error (none once it worked), and that it is no longer
 * loading, either way. Unlike trackLoad it keeps no "loaded" and shows an outage as the error.
 */
export async function recordLoad(state: { loading: boolean; error: string | null }, work: () => Promise<void>) {
  try {
    await work();
    state.error = null;
  } catch (err) {
    state.error = errorMessage(err);
  } finally {
    state.loading = false;
  }
}

/** A form's submit: `busy` while it runs, `error` with the reason when it fails. */
export function useSubmit() {
  const busy = ref(false);
  const error = ref<string | null>(null);
  async function submit<T>(work: () => Promise<T>): Promise<T | undefined> {
    busy.value = true;
    error.value = null;
    try {
      return await work();
    } catch (err) {
      error.value = errorMessage(err);
      return undefined;
    } finally {
      busy.value = false;
    }
  }
  return { busy, error, submit };
}
