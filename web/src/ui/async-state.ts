/** The loading / loaded / error bookkeeping every store and form repeats, in one place. */
import { ref } from 'vue';
import { errorMessage } from '../api/errors';

export interface LoadState {
  loading: boolean;
  loaded: boolean;
  error: string | null;
}

/**
 * Runs a load and records its outcome on `state`. `work` returns `false` when its answer arrived
 * too late to matter (the user moved on), which then leaves the state as it is.
 */
export async function trackLoad(state: LoadState, work: () => Promise<boolean | void>): Promise<void> {
  state.loading = true;
  try {
    if ((await work()) !== false) {
      state.error = null;
      state.loaded = true;
    }
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
