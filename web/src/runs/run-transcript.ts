/**
 * The transcript of one run as the drawer shows it: stored events read in pages
 * (`runs.events`), then, while the run is active, followed live (`runs.onEvents`, resumed from
 * the last seq seen, so a dropped connection loses nothing and repeats nothing). One run is
 * followed at a time; earlier runs are read once.
 */
import { onScopeDispose, shallowRef, ref, watch, type Ref } from 'vue';
import type { Unsubscribable } from '@trpc/server/observable';
import { api } from '../api/client';
import { errorMessage } from '../api/errors';
import { retryWhenBack } from '../ui/async-state';
import { appendEvents, emptyTranscript, type Transcript } from './transcript';

const PAGE = 1000;

export function useRunTranscript(runId: Ref<string | null>, active: Ref<boolean>) {
  const transcript = shallowRef<Transcript>(emptyTranscript());
  const loading = ref(false);
  const error = ref<string | null>(null);
  /** 'live' while following an active run, 'ended' once its stream finished. */
  const streaming = ref<'off' | 'live' | 'ended'>('off');
  let subscription: Unsubscribable | null = null;
  let generation = 0;

  function stop() {
    subscription?.unsubscribe();
    subscription = null;
  }

  // The transcript is a plain object folded in place (cheap for long runs); a new outer object
  // per batch is what tells the components that render it to update.
  function add(events: Parameters<typeof appendEvents>[1]) {
    transcript.value = { ...appendEvents(transcript.value, events) };
  }

  async function load(id: string, follow: boolean) {
    const mine = ++generation;
    stop();
    transcript.value = emptyTranscript();
    error.value = null;
    streaming.value = 'off';
    loading.value = true;
    try {
      for (;;) {
        const page = await api.runs.events.query({ run: id, afterSeq: transcript.value.lastSeq, limit: PAGE });
        if (mine !== generation) return;
        add(page);
        if (page.length < PAGE) break;
      }
    } catch (err) {
      if (mine === generation && !retryWhenBack(err, () => mine === generation && void load(id, follow)))
        error.value = errorMessage(err);
      return;
    } finally {
      if (mine === generation) loading.value = false;
    }
    if (follow) subscribe(id, mine);
  }

  function subscribe(id: string, mine: number) {
    streaming.value = 'live';
    subscription = api.runs.onEvents.subscribe(
      { run: id, lastEventId: String(transcript.value.lastSeq) },
      {
        onData({ data }) {
          if (mine === generation) add([data]);
        },
        onError(err) {
          if (mine !== generation) return;
          // The server went away: what was streamed stays; the ticket reloads when it is back.
          if (!retryWhenBack(err, () => {})) error.value = `Live transcript interrupted: ${errorMessage(err)}`;
          streaming.value = 'ended';
        },
        onComplete() {
          if (mine === generation) streaming.value = 'ended';
        },
      },
    );
  }

  watch(
    [runId, active],
    ([id, isActive], previous) => {
      if (!id) {
        generation++;
        stop();
        transcript.value = emptyTranscript();
        streaming.value = 'off';
        return;
      }
      // Same run, still followed: nothing to do. A run that became active again is followed.
      if (previous && previous[0] === id && (subscription || !isActive)) return;
      void load(id, isActive);
    },
    { immediate: true },
  );
  onScopeDispose(() => {
    generation++;
    stop();
  });

  return { transcript, loading, error, streaming, reload: () => runId.value && load(runId.value, active.value) };
}
