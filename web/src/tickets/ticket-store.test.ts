import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';

// The API as the store sees it: each call answers when the test says.
const answers: Array<(detail: unknown) => void> = [];
vi.mock('../api/client', () => ({
  api: { tickets: { show: { query: () => new Promise((resolve) => answers.push(resolve)) } } },
}));

const { useTicket } = await import('./ticket-store');

describe('the ticket in the drawer', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    answers.length = 0;
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
});
