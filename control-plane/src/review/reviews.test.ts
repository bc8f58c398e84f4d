import { expect, it } from 'vitest';
import { forEachDatabase } from '@openase/test-kit/databases';
import { expectCode } from '../../test/expect-code.js';
import { createProject } from '../projects/projects.js';
import { createAgent } from '../agents/agents.js';
import { createFromTemplate } from '../workflows/templates.js';
import { importWorkflow } from '../workflows/workflows.js';
import { createTicket, moveTicket } from '../tickets/tickets.js';
import { addComment } from '../tickets/comments.js';
import { ticketDetail } from '../tickets/detail.js';
import { whyTicket } from '../orchestrator/pickup-facts.js';
import type { Actor } from '../kernel/context.js';
import { recordReview, submitReview } from './reviews.js';
import { reviewFeedback } from './feedback.js';
import { updateMergeSettings } from './settings.js';
import { inTransaction } from '../kernel/transaction.js';
import { lockTicket } from '../tickets/tickets.js';

forEachDatabase('review loop', (get) => {
  it('requests changes with line comments: back to rework in round 2, the comments in the next prompt; approval merges', async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Rev', ticketPrefix: 'REV' });
    await createAgent(deps, admin, { project: 'rev', name: 'a', adapter: 'claude-code' });
    await createFromTemplate(deps, admin, { project: 'rev', template: 'full-stack' });
    const t = await createTicket(deps, admin, { project: 'rev', title: 'Greet' });
    await expectCode(
      submitReview(deps, admin, { ticket: t.identifier, verdict: 'approve' }),
      'CONFLICT',
      /REV-1 is in Backlog, not waiting for review \(tickets are reviewed in In Review\)/,
    );
    await moveTicket(deps, admin, { ticket: t.identifier, status: 'In Review' });
    await expectCode(
      submitReview(deps, admin, { ticket: t.identifier, verdict: 'request_changes' }),
      'BAD_REQUEST',
      /needs a comment/,
    );
    const agent: Actor = { ...admin, type: 'agent', name: 'an agent' };
    await expectCode(submitReview(deps, agent, { ticket: t.identifier, verdict: 'approve' }), 'FORBIDDEN');
    const viewer: Actor = { ...admin, role: 'viewer' };
    await expectCode(submitReview(deps, viewer, { ticket: t.identifier, verdict: 'approve' }), 'FORBIDDEN');

    // A line comment made while reading the diff, then the review with one more and a summary.
    await addComment(deps, admin, {
      ticket: t.identifier,
      body: 'say hello world',
      anchor: { path: 'greet.js', line: 1, text: "module.exports = 'hi';" },
    });
    const asked = await submitReview(deps, admin, {
      ticket: t.identifier,
      verdict: 'request_changes',
      body: 'Close, but not yet.',
      comments: [{ anchor: { path: 'greet.js', line: 3, side: 'old' }, body: 'keep this line' }],
    });
    expect(asked).toMatchObject({ state: 'changes_requested', round: 1, movedTo: 'In Progress', duplicate: false });
    const detail = await ticketDetail(deps.db, admin.orgId, t.identifier);
    expect(detail).toMatchObject({ reviewRound: 2, reviewState: 'changes_requested', status: { name: 'In Progress' } });
    expect(detail.reviews).toHaveLength(1);
    expect(detail.comments.filter((c) => c.anchor).map((c) => (c.anchor as { path: string }).path)).toEqual([
      'greet.js',
      'greet.js',
    ]);
    const feedback = (await reviewFeedback(deps.db, detail, 'In Review'))!;
    expect(feedback).toContain('## Review round 1: changes requested by admin');
    expect(feedback).toContain('admin: Close, but not yet.');
    expect(feedback).toMatch(/- greet\.js:1 at `module\.exports = 'hi';`\n {2}admin: say hello world/);
    expect(feedback).toMatch(/- greet\.js:3 \(a removed line, numbered in the base\)\n {2}admin: keep this line/);
    expect((await whyTicket(deps.db, deps.clock, admin.orgId, t.identifier)).review).toMatchObject({
      round: 2,
      stage: null,
      message: 'review round 2: admin requested changes in round 1',
    });

    await moveTicket(deps, admin, { ticket: t.identifier, status: 'In Review' });
    expect((await whyTicket(deps.db, deps.clock, admin.orgId, t.identifier)).review.message).toMatch(
      /REV-1 waits for review round 2 in In Review/,
    );
    const approved = await submitReview(deps, admin, { ticket: t.identifier, verdict: 'approve' });
    expect(approved).toMatchObject({ state: 'approved', round: 2, movedTo: 'Merging' });
    expect((await whyTicket(deps.db, deps.clock, admin.orgId, t.identifier)).review).toMatchObject({
      stage: 'merging',
    });
    // Merged and done: the standing names the approval (it said "admin requested changes in round 2").
    await moveTicket(deps, admin, { ticket: t.identifier, status: 'Done' });
    expect((await whyTicket(deps.db, deps.clock, admin.orgId, t.identifier)).review).toMatchObject({
      stage: null,
      message: 'review round 2: admin approved it in round 2',
    });

    // The git host's review delivered twice is recorded once.
    await moveTicket(deps, admin, { ticket: t.identifier, status: 'In Review' });
    const hostReview = (id: string) =>
      inTransaction(deps, async (tx, changes) =>
        recordReview(
          tx,
          deps,
          changes,
          { ...admin, type: 'system', name: 'octocat on GitHub' },
          await lockTicket(tx, admin.orgId, t.identifier),
          {
            state: 'changes_requested',
            source: 'github',
            body: 'from GitHub',
            comments: [],
            externalId: id,
          },
        ),
      );
    expect(await hostReview('r-1')).toMatchObject({ duplicate: false, movedTo: 'In Progress' });
    expect(await hostReview('r-1')).toMatchObject({ duplicate: true, movedTo: null });
  });

  it('validates the merge step of a harness, and keeps merge settings per project', async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Steps', ticketPrefix: 'STP' });
    const file = (extra: string) =>
      `---\nname: w\npickup: [Todo]\nfinish: [In Review]\n${extra}---\nWork on {{ ticket.identifier }}.\n`;
    await expectCode(
      importWorkflow(deps, admin, {
        project: 'steps',
        source: file('merge:\n  status: Todo\n  done: Nowhere\nrework: Done\n'),
      }),
      'VALIDATION_FAILED',
      /merge\.status: "Todo" is a pickup status[\s\S]*merge\.done: unknown status "Nowhere"[\s\S]*rework: "Done" is not a pickup status/,
    );
    const settings = await updateMergeSettings(deps, admin, {
      project: 'steps',
      mergeMethod: 'squash',
      deleteBranch: false,
    });
    expect(settings).toMatchObject({ mergeMethod: 'squash', deleteMergedBranch: false, closedPullRequest: 'rework' });
    await expectCode(
      updateMergeSettings(deps, { ...admin, role: 'member' }, { project: 'steps', mergeMethod: 'rebase' }),
      'FORBIDDEN',
    );
  });
});
