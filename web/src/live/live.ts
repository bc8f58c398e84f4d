/**
 * The tab's single live connection (`live.changes`, SSE). Browsers allow ~6 connections per
 * origin, so every page shares this one: stores register interest with `onChange`/`onResync`
 * and refresh what a change touches. The tRPC link reconnects by itself and sends the last event
 * id back, so the server replays what was missed; when it cannot (`ready{resumed:false}`), every
 * store reloads.
 */
import { reactive } from 'vue';
import { backoffDelay } from '@openase/shared';
import type { Unsubscribable } from '@trpc/server/observable';
import { api, type RouterOutputs } from '../api/client';

type LiveItem = RouterOutputs['live']['changes'] extends AsyncIterable<infer Item> ? Item : never;
export type LiveEvent = LiveItem['data'];
export type LiveChange = LiveEvent extends infer E ? (E extends { change: infer C } ? C : never) : never;

export const liveState = reactive({
  /** connecting → live; `reconnecting` after a drop until the stream is back. */
  status: 'idle' as 'idle' | 'connecting' | 'live' | 'reconnecting',
  error: null as string | null,
  /** A load found the server unreachable while the page kept what it showed (cleared when live again). */
  unreachable: false,
  /** Changes received in this tab (shown in tests and for debugging). */
  received: 0,
});

const changeListeners = new Set<(change: LiveChange) => void>();
const resyncListeners = new Set<() => void>();
let subscription: Unsubscribable | null = null;

/** Called for every committed change of the organization. Returns an unsubscribe function. */
export function onChange(listener: (change: LiveChange) => void): () => void {
  changeListeners.add(listener);
  return () => changeListeners.delete(listener);
}

/** Called when the stream could not resume (or starts): reload what you show. */
export function onResync(listener: () => void): () => void {
  resyncListeners.add(listener);
  return () => resyncListeners.delete(listener);
}

let lastEventId: string | null = null;
let restartTimer: ReturnType<typeof setTimeout> | null = null;
let failures = 0;

export function startLive(): void {
  if (subscription) return;
  liveState.status = liveState.status === 'idle' ? 'connecting' : 'reconnecting';
  // The browser's EventSource retries dropped connections itself, sending the last event id; if
  // the stream ends for good (server restart refused, error), start again from the saved id.
  subscription = api.live.changes.subscribe(lastEventId ? { lastEventId } : undefined, {
    onData({ id, data }) {
      lastEventId = id;
      failures = 0;
      if (data.kind === 'ready') {
        // Back after a drop: what failed to load meanwhile is loaded again, even when nothing changed.
        const wasAway = liveState.status === 'reconnecting' || liveState.unreachable;
        liveState.status = 'live';
        liveState.error = null;
        liveState.unreachable = false;
        if (!data.resumed || wasAway) for (const listener of [...resyncListeners]) listener();
        return;
      }
      liveState.received++;
      for (const listener of [...changeListeners]) listener(data.change);
    },
    onConnectionStateChange(state) {
      if (state.state === 'connecting' && liveState.status === 'live') liveState.status = 'reconnecting';
      if (state.error) liveState.error = state.error.message;
    },
    onError(err) {
      liveState.error = err.message;
      restartLater();
    },
    onComplete() {
      restartLater();
    },
  });
}

function restartLater(): void {
  subscription = null;
  if (liveState.status === 'idle' || restartTimer) return;
  liveState.status = 'reconnecting';
  const delay = backoffDelay(failures++, { baseMs: 1000, maxMs: 30_000 });
  restartTimer = setTimeout(() => {
    restartTimer = null;
    startLive();
  }, delay);
}

export function stopLive(): void {
  liveState.status = 'idle';
  if (restartTimer) clearTimeout(restartTimer);
  restartTimer = null;
  subscription?.unsubscribe();
  subscription = null;
  lastEventId = null;
}

/**
 * Runs `work` at most once per `ms` burst: many changes in a row (a bulk move, a replay after a
 * reconnect) become one reload.
 */
export function coalesce(work: () => void, ms = 30): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      work();
    }, ms);
  };
}
