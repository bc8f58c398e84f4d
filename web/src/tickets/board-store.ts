/**
 * The board of the current project: its tickets, filters, and moves. A move is applied at once
 * (optimistic), sent, and rolled back with a message if the server refuses it.
 */
import { defineStore } from 'pinia';
import { api, type RouterInputs, type RouterOutputs } from '../api/client';
import { errorMessage } from '../api/errors';
import { allPages } from '../api/pages';
import { coalesce, onChange, onResync } from '../live/live';
import { useNotices } from '../ui/notices';
import { trackLoad } from '../ui/async-state';
import type { BoardFilter } from './board-filters';

export type BoardTicket = RouterOutputs['tickets']['list']['items'][number];
/** A ticket's run that has not ended: the card's "running on machine X" badge. */
export interface ActiveRun {
  id: string;
  state: string;
  machine: string | null;
  /** Tool calls waiting for a person (harness tools.ask): the card says "Needs approval". */
  waitingApprovals: number;
}

export const useBoard = defineStore('board', {
  state: () => ({
    projectRef: null as string | null,
    projectId: null as string | null,
    tickets: [] as BoardTicket[],
    loading: false,
    loaded: false,
    error: null as string | null,
    filter: { text: '', label: '', priority: '' } as BoardFilter,
    /** Ticket id → status id it is being moved to (while the server has not answered). */
    moving: {} as Record<string, string>,
    /** Ticket id → its active run. */
    running: {} as Record<string, ActiveRun>,
  }),
  actions: {
    async load(projectRef: string, projectId: string | null) {
      if (this.projectRef !== projectRef) {
        this.tickets = [];
        this.loaded = false;
      }
      this.projectRef = projectRef;
      this.projectId = projectId;
      await trackLoad(this, async () => {
        const [tickets, runs] = await Promise.all([
          allPages((cursor) => api.tickets.list.query({ project: projectRef, limit: 5000, cursor })),
          projectId
            ? allPages((cursor) => api.runs.list.query({ projectId, active: true, limit: 500, cursor }))
            : Promise.resolve([]),
        ]);
        if (this.projectRef !== projectRef) return false;
        this.running = Object.fromEntries(
          runs
            .filter((r) => r.ticketId)
            .map((r) => [
              r.ticketId!,
              { id: r.id, state: r.state, machine: r.machineName, waitingApprovals: r.waitingApprovals },
            ]),
        );
        // A move still in flight keeps its optimistic status until the server answers.
        this.tickets = tickets.map((t) => (this.moving[t.id] ? { ...t, statusId: this.moving[t.id]! } : t));
      });
    },
    async reload() {
      if (this.projectRef) await this.load(this.projectRef, this.projectId);
    },
    async move(ticketId: string, status: { id: string; name: string }) {
      const ticket = this.tickets.find((t) => t.id === ticketId);
      if (!ticket || ticket.statusId === status.id) return;
      const previous = { statusId: ticket.statusId, statusName: ticket.statusName };
      ticket.statusId = status.id;
      ticket.statusName = status.name;
      this.moving[ticketId] = status.id;
      try {
        const updated = await api.tickets.move.mutate({ ticket: ticket.identifier, status: status.name });
        const current = this.tickets.find((t) => t.id === ticketId);
        if (current) Object.assign(current, updated, { statusName: status.name });
      } catch (err) {
        const current = this.tickets.find((t) => t.id === ticketId);
        if (current) Object.assign(current, previous);
        useNotices().error(`${ticket.identifier} was not moved to ${status.name}: ${errorMessage(err)}`);
      } finally {
        delete this.moving[ticketId];
      }
    },
    async create(input: RouterInputs['tickets']['create']) {
      const ticket = await api.tickets.create.mutate(input);
      await this.reload();
      return ticket;
    },
    follow() {
      const reload = coalesce(() => void this.reload());
      onResync(reload);
      onChange((change) => {
        if (!this.projectId || change.projectId !== this.projectId) return;
        if (change.entityType === 'ticket' || change.entityType === 'status' || change.entityType === 'run') reload();
      });
    },
  },
});
