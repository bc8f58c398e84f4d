/**
 * The diff of the ticket open in the drawer (or of one of its runs), loaded from the machine
 * that holds its worktree through `tickets.diff`, parsed once per answer. The time from the
 * answer to the rows on screen is marked for the bench (`openase:diff-rendered`).
 */
import { computed, reactive, watch, type Ref } from 'vue';
import { api, type RouterOutputs } from '../api/client';
import { errorDetails, errorMessage } from '../api/errors';
import { retryWhenBack } from '../ui/async-state';
import { filesOf, type FileModel } from './diff-model';

export type TicketDiff = RouterOutputs['tickets']['diff'];

export function useTicketDiff(identifier: Ref<string>, run: Ref<string | null>, enabled: Ref<boolean>) {
  const state = reactive({
    loading: false,
    error: null as string | null,
    /** The project has no repository: nothing to diff (an empty state, not an error). */
    noRepository: false,
    data: null as TicketDiff | null,
    files: [] as FileModel[],
  });
  let asked = 0;
  async function load() {
    if (!enabled.value) return;
    const mine = ++asked;
    state.loading = !state.data;
    try {
      const data = await api.tickets.diff.query({ ticket: identifier.value, run: run.value ?? undefined });
      if (mine !== asked) return;
      performance.mark('openase:diff-data');
      state.data = data;
      // A diff cut at its size cap shows its file list, never half a file.
      state.files = data.tooLarge ? [] : filesOf(data.repos);
      state.error = null;
      state.noRepository = false;
    } catch (err) {
      // Server away: keep what is shown (or the spinner) and load again when it is back.
      if (mine === asked && retryWhenBack(err, () => void load())) return;
      if (mine === asked && errorDetails(err)?.noRepository) state.noRepository = true;
      else if (mine === asked) state.error = errorMessage(err);
    }
    if (mine === asked) state.loading = false;
  }
  watch([identifier, run, enabled], () => {
    state.data = null;
    state.files = [];
    void load();
  });
  void load();
  const several = computed(() => (state.data?.repos.length ?? 0) > 1);
  return { state, load, several };
}

/** Marks the moment the diff's rows are on screen (after the DOM update and a frame). */
export function markRendered(): void {
  requestAnimationFrame(() => {
    performance.mark('openase:diff-rendered');
    try {
      performance.measure('openase:diff-render', 'openase:diff-data', 'openase:diff-rendered');
    } catch {
      /* no data mark yet */
    }
  });
}
