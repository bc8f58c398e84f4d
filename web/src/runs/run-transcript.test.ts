import { describe, expect, it, vi } from 'vitest';
import { effectScope, nextTick, ref } from 'vue';

// A read of the transcript that never answers (a replica that hangs): the drawer must not say "Loading" forever.
vi.mock('../api/client', () => ({
  api: {
    runs: { events: { query: () => new Promise(() => {}) }, onEvents: { subscribe: () => ({ unsubscribe() {} }) } },
  },
}));

const { useRunTranscript } = await import('./run-transcript');

describe('the transcript of the selected run', () => {
  it('stops saying it is loading when the run it was loading is no longer shown', async () => {
    const scope = effectScope();
    const runId = ref<string | null>('run-1');
    const active = ref(true);
    const transcript = scope.run(() => useRunTranscript(runId, active))!;
    await nextTick();
    expect(transcript.loading.value).toBe(true);
    runId.value = null;
    await nextTick();
    expect(transcript.loading.value).toBe(false);
    scope.stop();
  });
});
