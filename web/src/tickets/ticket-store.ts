/** The ticket open in the drawer: its full detail, and every edit made from there. */
import { defineStore } from 'pinia';
import { api, type RouterInputs, type RouterOutputs } from '../api/client';
import { errorMessage } from '../api/errors';
import { coalesce, onChange, onResync } from '../live/live';
import { useNotices } from '../ui/notices';
import { notLoaded, trackLoad } from '../ui/async-state';

export type TicketDetail = RouterOutputs['tickets']['show'];
export type Comment = TicketDetail['comments'][number];

/** Loads started: an answer is shown only if no later load started meanwhile. */
let loads = 0;

export const useTicket = defineStore('ticket', {
  state: () => ({
    ref: null as string | null,
    detail: null as TicketDetail | null,
    ...notLoaded(),
  }),
  actions: {
    async open(ref: string) {
      if (this.ref !== ref) this.detail = null;
      this.ref = ref;
      // Reloads overlap (live changes, a resync, an edit); answers can come back out of order (through a
      // proxy, from replicas at different speeds): only the latest load's answer is shown.
      const mine = ++loads;
      await trackLoad(this, async () => {
        const detail = await api.tickets.show.query({ ticket: ref });
        if (this.ref !== ref || mine !== loads) return false;
        this.detail = detail;
      });
    },
    close() {
      this.ref = null;
      this.detail = null;
      this.error = null;
    },
    async reload() {
      if (this.ref) await this.open(this.ref);
    },
    /** Runs a change, reloads the ticket, and reports the outcome; returns whether it worked. */
    async run(what: string, work: () => Promise<unknown>): Promise<boolean> {
      try {
        await work();
        await this.reload();
        return true;
      } catch (err) {
        useNotices().error(`${what}: ${errorMessage(err)}`);
        return false;
      }
    },
    update(patch: Omit<RouterInputs['tickets']['update'], 'ticket'>) {
      return this.run('Could not save', () => api.tickets.update.mutate({ ticket: this.detail!.identifier, ...patch }));
    },
    moveTo(status: string) {
      return this.run(`Could not move to ${status}`, () =>
        api.tickets.move.mutate({ ticket: this.detail!.identifier, status }),
      );
    },
    setArchived(archived: boolean) {
      return this.run(archived ? 'Could not archive' : 'Could not restore', () =>
        api.tickets.archive.mutate({ ticket: this.detail!.identifier, archived }),
      );
    },
    addComment(body: string) {
      return this.run('Could not add the comment', () =>
        api.comments.add.mutate({ ticket: this.detail!.identifier, body }),
      );
    },
    editComment(commentId: string, body: string) {
      return this.run('Could not edit the comment', () => api.comments.edit.mutate({ commentId, body }));
    },
    commentHistory(commentId: string) {
      return api.comments.history.query({ commentId });
    },
    link(blocker: string, blocked: string) {
      return this.run(`Could not make ${blocker} block ${blocked}`, () =>
        api.tickets.link.mutate({ blocker, blocked }),
      );
    },
    unlink(blocker: string, blocked: string) {
      return this.run(`Could not remove the dependency`, () => api.tickets.unlink.mutate({ blocker, blocked }));
    },
    setParent(child: string, parent: string | null) {
      return this.run(parent ? `Could not make ${child} a child` : `Could not detach ${child}`, () =>
        api.tickets.update.mutate({ ticket: child, parent }),
      );
    },
    follow() {
      const reload = coalesce(() => void this.reload());
      onResync(reload);
      onChange((change) => {
        const detail = this.detail;
        // Still loading the ticket: its answer may have been read before this change, which cannot be matched to it
        // yet (the drawer opened as the ticket moved and its run was claimed), so load once more after it.
        if (!detail) return void (this.ref && reload());
        if (change.projectId !== detail.project.id) return;
        // This ticket, or another one whose change names it (links, a child's parent).
        const names = (value: unknown) => value != null && JSON.stringify(value).includes(`"${detail.identifier}"`);
        if (
          change.ticketId === detail.id ||
          change.summary.includes(detail.identifier) ||
          names(change.before) ||
          names(change.after)
        )
          reload();
      });
    },
  },
});
