import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';

// The API as the store sees it: each `chat.show` answers when the test says; the test delivers the run's events.
const shows: Array<(detail: unknown) => void> = [];
let deliver: ((event: { seq: number; event: { type: string } }) => void) | null = null;
vi.mock('../api/client', () => ({
  api: {
    chat: {
      list: { query: async () => [{ id: 'c1', projectId: 'p1', state: 'open' }] },
      show: { query: () => new Promise((resolve) => shows.push(resolve)) },
      onEvents: {
        subscribe: (_input: unknown, handlers: { onData: (t: { data: unknown }) => void }) => {
          deliver = (data) => handlers.onData({ data });
          return { unsubscribe: () => (deliver = null) };
        },
      },
    },
    runs: { events: { query: async () => [] } },
  },
}));

// The tab's live stream: the test delivers changes; a coalesced refresh runs at once.
const changeListeners: Array<(change: unknown) => void> = [];
vi.mock('../live/live', () => ({
  onChange: (listener: (change: unknown) => void) => changeListeners.push(listener),
  onResync: () => () => {},
  coalesce: (work: () => void) => work,
}));

vi.stubGlobal('localStorage', { getItem: () => null, setItem: () => {} });
const { useChat } = await import('./chat-store');

const detail = (activity: string) => ({ id: 'c1', currentRunId: 'r1', runs: [{ id: 'r1' }], activity });
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('the Project AI panel', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    shows.length = 0;
    changeListeners.length = 0;
  });

  it('shows that the agent waits when the turn frame is recorded after the turn’s last event arrived', async () => {
    const chat = useChat();
    await chat.load('chatai'); // selects the open conversation
    shows.shift()!(detail('working'));
    await settle();
    expect(deliver).not.toBeNull();
    // The turn's last event: its refresh reads the conversation before the daemon's `run.turn` is recorded.
    deliver!({ seq: 5, event: { type: 'turn.finished' } });
    shows.shift()!(detail('working'));
    await settle();
    expect(chat.detail?.activity).toBe('working');
    // Then the control plane records the wait; every tab hears of it on the live stream.
    for (const listener of changeListeners)
      listener({ projectId: 'p1', entityType: 'chat_conversation', entityId: 'c1', action: 'chat.waiting' });
    expect(shows).toHaveLength(1);
    shows.shift()!(detail('waiting'));
    await settle();
    expect(chat.detail?.activity).toBe('waiting');
  });

  it('shows the latest refresh when answers come back out of order', async () => {
    const chat = useChat();
    await chat.load('chatai');
    shows.shift()!(detail('working'));
    await settle();
    const older = chat.refreshDetail();
    const newer = chat.refreshDetail();
    shows[1]!(detail('waiting'));
    await newer;
    shows[0]!(detail('working'));
    await older;
    expect(chat.detail?.activity).toBe('waiting');
  });
});
