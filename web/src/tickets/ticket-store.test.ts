import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';

// The API as the store sees it: each call answers when the test says.
const answers: Array<(detail: unknown) => void> = [];
vi.mock('../api/client', () => ({
  api: { tickets: { show: { query: () => new Promise((resolve) => answers.push(resolve)) } } },
}));

// The tab's live stream: the test delivers changes; a coalesced reload runs at once.
const changeListeners: Array<(change: unknown) => void> = [];
vi.mock('../live/live', () => ({
  onChange: (listener: (change: unknown) => void) => changeListeners.push(listener),
  onResync: () => () => {},
  coalesce: (work: () => void) => work,
}));

const { useTicket } = await import('./ticket-store');

describe('the ticket in the drawer', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    answers.length = 0;
    changeListeners.length = 0;
  });

  it('shows the latest load when answers come back out of order (a slow replica behind the proxy)', async () => {
    const ticket = useTicket();
    const older = ticket.open('ACME-1');
    const newer = ticket.reload();
    expect(answers).toHaveLength(2);
    answers[1]!({ identifier: 'ACME-1', runs: [{ id: 'run-1' }] });
    await newer;
    answers[0]!({ identifier: 'ACME-1', runs: [] });
    await older;
    expect(ticket.detail).toMatchObject({ runs: [{ id: 'run-1' }] });
  });

  it('loads once more after a change that arrives while the ticket is still loading (the drawer opened as it moved)', async () => {
    const ticket = useTicket();
    ticket.follow();
    const first = ticket.open('ACME-1'); // read before the run was claimed
    for (const listener of changeListeners) listener({ projectId: 'p1', ticketId: 't1', summary: 'dispatched ACME-1' });
    expect(answers).toHaveLength(2);
    answers[0]!({ identifier: 'ACME-1', project: { id: 'p1' }, runs: [] });
    await first;
    answers[1]!({ identifier: 'ACME-1', project: { id: 'p1' }, runs: [{ id: 'run-1' }] });
    await new Promise((r) => setTimeout(r, 0));
    expect(ticket.detail).toMatchObject({ runs: [{ id: 'run-1' }] });
  });
});
