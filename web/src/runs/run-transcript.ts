/**
 * The transcript of one run as the drawer shows it: the newest page of stored events first
 * (`runs.events` with `beforeSeq`), earlier pages when the reader asks (`loadEarlier`, on scrolling
 * to the top), then, while the run is active, followed live (`runs.onEvents`, resumed from the last
 * seq seen, so a dropped connection loses nothing and repeats nothing). One run is followed at a
 * time; earlier runs are read once.
 */
import { onScopeDispose, shallowRef, ref, watch, type Ref } from 'vue';
import type { Unsubscribable } from '@trpc/server/observable';
import { api } from '../api/client';
import { errorMessage } from '../api/errors';
import { retryWhenBack } from '../ui/async-state';
import { appendEvents, emptyTranscript, type SequencedRunEvent, type Transcript } from './transcript';

const PAGE = 1000;
/** Above any seq a run reaches: `beforeSeq` of the first page, which is then the newest events. */
const NEWEST = 2 ** 31 - 1;

export function useRunTranscript(runId: Ref<string | null>, active: Ref<boolean>) {
  const transcript = shallowRef<Transcript>(emptyTranscript());
  const loading = ref(false);
  const error = ref<string | null>(null);
  /** 'live' while following an active run, 'ended' once its stream finished. */
  const streaming = ref<'off' | 'live' | 'ended'>('off');
  /** The seq of the first event shown while earlier ones are unread; null: the transcript starts at the beginning. */
  const earlierThan = ref<number | null>(null);
  const loadingEarlier = ref(false);
  let subscription: Unsubscribable | null = null;
  let generation = 0;
  /** The events shown, kept to fold the transcript again when earlier ones are put in front. */
  let events: SequencedRunEvent[] = [];

  function stop() {
    subscription?.unsubscribe();
    subscription = null;
    pending = [];
  }

  // The transcript is a plain object folded in place (cheap for long runs); a new outer object
  // per batch is what tells the components that render it to update.
  function add(batch: readonly SequencedRunEvent[]) {
    const fresh = batch.filter((e) => e.seq > transcript.value.lastSeq);
    events.push(...fresh);
    transcript.value = { ...appendEvents(transcript.value, fresh) };
  }

  async function load(id: string, follow: boolean) {
    const mine = ++generation;
    stop();
    transcript.value = emptyTranscript();
    events = [];
    earlierThan.value = null;
    error.value = null;
    streaming.value = 'off';
    loading.value = true;
    try {
      const page = await api.runs.events.query({ run: id, beforeSeq: NEWEST, limit: PAGE });
      if (mine !== generation) return;
      add(page);
      earlierThan.value = page.length === PAGE ? page[0]!.seq : null;
    } catch (err) {
      if (mine === generation && !retryWhenBack(err, () => mine === generation && void load(id, follow)))
        error.value = errorMessage(err);
      return;
    } finally {
      if (mine === generation) loading.value = false;
    }
    if (follow) subscribe(id, mine);
  }

  /** Reads the page before the first event shown and folds the transcript again with it in front. */
  async function loadEarlier() {
    const id = runId.value;
    const before = earlierThan.value;
    if (!id || before === null || loadingEarlier.value) return;
    const mine = generation;
    loadingEarlier.value = true;
    try {
      const page = await api.runs.events.query({ run: id, beforeSeq: before, limit: PAGE });
      if (mine !== generation) return;
      events = [...page, ...events];
      transcript.value = appendEvents(emptyTranscript(), events);
      earlierThan.value = page.length === PAGE ? page[0]!.seq : null;
    } catch (err) {
      if (mine === generation) error.value = errorMessage(err);
    } finally {
      loadingEarlier.value = false;
    }
  }

  // Live events are folded in once per frame: an agent that says a thousand things a second
  // would otherwise re-render the transcript a thousand times a second and freeze the page.
  let pending: SequencedRunEvent[] = [];
  let flushing = false;
  function queue(event: SequencedRunEvent) {
    pending.push(event);
    if (flushing) return;
    flushing = true;
    const flush = () => {
      flushing = false;
      const batch = pending;
      pending = [];
      add(batch);
    };
    if (typeof requestAnimationFrame === 'function') requestAnimationFrame(flush);
    else setTimeout(flush, 16);
  }

  function subscribe(id: string, mine: number) {
    streaming.value = 'live';
    subscription = api.runs.onEvents.subscribe(
      { run: id, lastEventId: String(transcript.value.lastSeq) },
      {
        onData({ data }) {
          if (mine === generation) queue(data);
        },
        onError(err) {
          if (mine !== generation) return;
          // A stream the network or a proxy dropped is resubscribed by the client link (api/client.ts):
          // what ends up here is the control plane's own refusal.
          error.value = `Live transcript interrupted: ${errorMessage(err)}`;
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
        // A load in flight for the run shown before will not finish this generation: it cannot clear this.
        loading.value = false;
        transcript.value = emptyTranscript();
        events = [];
        earlierThan.value = null;
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

  return {
    transcript,
    loading,
    error,
    streaming,
    earlierThan,
    loadingEarlier,
    loadEarlier,
    reload: () => runId.value && load(runId.value, active.value),
  };
}
