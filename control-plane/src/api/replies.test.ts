import type { inferRouterOutputs } from '@trpc/server';
import { expect, expectTypeOf, it } from 'vitest';
import { ticketReply } from '@openase/shared';
import { forEachDatabase } from '@openase/test-kit/databases';
import { createProject } from '../projects/projects.js';
import { appRouter, type AppRouter } from './router.js';

type Out = inferRouterOutputs<AppRouter>;

forEachDatabase('replies declared in the catalogue', (get) => {
  it('a client reads a reply typed by its output schema; the router checks the reply against it', async () => {
    // Compile-time: the CLI's reply types come from shared/src/domain/replies.ts, not from a guess.
    expectTypeOf<Out['tickets']['move']['pendingStatus']>().toEqualTypeOf<string | null>();
    expectTypeOf<Out['tickets']['create']['identifier']>().toEqualTypeOf<string>();
    expectTypeOf<Out['comments']['add']['id']>().toEqualTypeOf<string>();
    const { deps, admin } = get();
    const project = await createProject(deps, admin, { name: `Replies ${Date.now()}`, ticketPrefix: 'RPL' });
    const api = appRouter.createCaller({ deps, actor: admin });
    const ticket = await api.tickets.create({ project: project.slug, title: 'typed reply' });
    const moved = await api.tickets.move({ ticket: ticket.identifier, status: 'Todo' });
    expect(moved.pendingStatus).toBeNull(); // a person's move is not held for checks
    // Loose: the rest of the row is still there for the console.
    expect(moved).toMatchObject({ identifier: ticket.identifier, number: expect.any(Number) });
    // A reply the schema refuses is an error, not a guess on the client's side.
    expect(ticketReply.safeParse({ ...moved, identifier: 1 }).success).toBe(false);
    const comment = await api.comments.add({ ticket: ticket.identifier, body: 'hello' });
    expect(comment).toMatchObject({ ticketId: ticket.id, body: 'hello' });
  });
});
