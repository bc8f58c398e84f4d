/**
 * Drives merges (review/merge.ts) on the leader: one at a time per ticket, started when a ticket
 * enters a merge status (or is retried there) and by the periodic sweep for tickets still waiting
 * (a restart, a machine that was not connected). A ticket waiting for a machine is said once.
 */
import { mergeTicket, ticketsWaitingToMerge, type MergeContext } from './merge.js';

export class Merger {
  private readonly running = new Set<string>();
  private readonly waitingSaid = new Set<string>();

  constructor(private readonly ctx: MergeContext) {}

  /** Starts merging the ticket unless a merge of it is under way. */
  start(ticketId: string): void {
    if (this.running.has(ticketId)) return;
    this.running.add(ticketId);
    void mergeTicket(this.ctx, ticketId)
      .then((outcome) => {
        if (outcome === 'waiting' && !this.waitingSaid.has(ticketId)) {
          this.waitingSaid.add(ticketId);
          this.ctx.deps.log.info(
            { component: 'merge', ticketId },
            `[merge] ticket ${ticketId} waits for a connected machine to merge it`,
          );
        } else if (outcome !== 'waiting') this.waitingSaid.delete(ticketId);
      })
      .catch((err: Error) =>
        this.ctx.deps.log.error({ component: 'merge', ticketId, err }, `[merge] merging ticket ${ticketId} failed`),
      )
      .finally(() => this.running.delete(ticketId));
  }

  async sweep(): Promise<void> {
    for (const id of await ticketsWaitingToMerge(this.ctx.deps.db)) this.start(id);
  }

  /** Waits until no merge runs (tests). */
  async idle(): Promise<void> {
    while (this.running.size) await new Promise((r) => setTimeout(r, 20));
  }
}
