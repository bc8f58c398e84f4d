/**
 * The board of the current project: its tickets, filters, and moves. A move is applied at once
 * (optimistic), sent, and rolled back with a message if the server refuses it.
 * Only what the columns show is loaded (board-pages.ts): each column's first page and its count,
 * more when it is scrolled to the end; the filter is the server's. The ticket list is not deeply
 * reactive (`markRaw`): a change replaces the list, so thousands of cards cost no proxies.
 */
import { markRaw, watch } from 'vue';
import { defineStore } from 'pinia';
import { api, type RouterInputs } from '../api/client';
import { errorMessage } from '../api/errors';
import { allPages } from '../api/pages';
import { coalesce, onChange, onResync } from '../live/live';
import { useNotices } from '../ui/notices';
import { trackLoad } from '../ui/async-state';
import { enterProject, projectScope } from '../projects/project-scope';
import type { BoardFilter } from './board-filters';
import {
  fetchColumns,
  fetchMore,
  filterKey,
  type BoardColumnState,
  type BoardTicket,
  type StatusRef,
} from './board-pages';

export type { BoardTicket } from './board-pages';
/** A ticket's run that has not ended: the card's "running on machine X" badge. */
export interface ActiveRun {
  id: string;
  state: string;
  machine: string | null;
  /** Tool calls waiting for a person (harness tools.ask): the card says "Needs approval". */
  waitingApprovals: number;
}

export type BulkItem = RouterInputs['tickets']['bulkUpdate']['items'][number];

export const useBoard = defineStore('board', {
  state: () => ({
    ...projectScope(),
    tickets: markRaw([]) as BoardTicket[],
    /** The columns' statuses (the project's), when the board loads by column. */
    statuses: [] as StatusRef[],
    /** Status id → its count and where its next page starts. */
    columns: {} as Record<string, BoardColumnState>,
    /** Tickets on the board, filter or not. */
    total: 0,
    /** The filter the loaded tickets and counts answer (filterKey). */
    loadedFilter: '',
    filter: { text: '', label: '', priority: '' } as BoardFilter,
    /** Ticket id → status id it is being moved to (while the server has not answered). */
    moving: {} as Record<string, string>,
    /** Ticket id → its active run. */
    running: {} as Record<string, ActiveRun>,
    /** Status id → a next page is being fetched. */
    paging: {} as Record<string, boolean>,
    /** Ids of the tickets picked for a bulk action, in the order they were picked. */
    selected: [] as string[],
    /** The identifier of the card that has (or last had) the keyboard focus: the palette's "move" acts on it. */
    focused: null as string | null,
  }),
  getters: {
    /** A column's count: the server's for the filter shown, else what is loaded. */
    columnTotal: (state) => (statusId: string, loaded: number) =>
      state.loadedFilter === filterKey(state.filter) && state.columns[statusId]
        ? Math.max(loaded, state.columns[statusId]!.total)
        : loaded,
    hasMore: (state) => (statusId: string) => !!state.columns[statusId]?.cursor,
  },
  actions: {
    async load(projectRef: string, projectId: string | null, statuses?: StatusRef[]) {
      enterProject(this, projectRef, projectId, this.projectRef !== projectRef, () => {
        this.tickets = markRaw([]);
        this.columns = {};
        this.selected = [];
        this.focused = null;
      });
      if (statuses) this.statuses = statuses.map((s) => ({ id: s.id, name: s.name }));
      await trackLoad(this, async () => {
        const filter = { ...this.filter };
        // A reload keeps what was scrolled through; another filter starts from the first pages.
        const same = filterKey(filter) === this.loadedFilter;
        const loadedIn = (statusId: string) => (same ? this.tickets.filter((t) => t.statusId === statusId).length : 0);
        const [data, runs] = await Promise.all([
          this.statuses.length
            ? fetchColumns(projectRef, this.statuses, filter, loadedIn)
            : allPages((cursor) => api.tickets.list.query({ project: projectRef, limit: 5000, cursor })).then(
                (tickets) => ({ tickets, columns: {}, total: tickets.length }),
              ),
          projectId
            ? allPages((cursor) => api.runs.list.query({ projectId, active: true, limit: 500, cursor }))
            : Promise.resolve([]),
        ]);
        // Another project, or a filter typed meanwhile (its own reload follows): this answer is stale.
        if (this.projectRef !== projectRef || (this.statuses.length && filterKey(this.filter) !== filterKey(filter)))
          return false;
        this.running = Object.fromEntries(
          runs
            .filter((r) => r.ticketId)
            .map((r) => [
              r.ticketId!,
              { id: r.id, state: r.state, machine: r.machineName, waitingApprovals: r.waitingApprovals },
            ]),
        );
        this.columns = data.columns;
        this.total = data.total;
        this.loadedFilter = filterKey(filter);
        // A move still in flight keeps its optimistic status until the server answers.
        this.tickets = markRaw(
          data.tickets.map((t) => (this.moving[t.id] ? { ...t, statusId: this.moving[t.id]! } : t)),
        );
        const present = new Set(data.tickets.map((t) => t.id));
        if (this.selected.some((id) => !present.has(id))) this.selected = this.selected.filter((id) => present.has(id));
      });
    },
    /** The next page of a column scrolled to the end of what it has. */
    async loadMore(statusId: string) {
      const column = this.columns[statusId];
      const status = this.statuses.find((s) => s.id === statusId);
      if (!column?.cursor || !status || this.paging[statusId] || !this.projectRef) return;
      // A filter being typed: its reload brings the first pages (the cursor is of the previous filter's list).
      if (filterKey(this.filter) !== this.loadedFilter) return;
      const [projectRef, key, cursor] = [this.projectRef, this.loadedFilter, column.cursor];
      this.paging[statusId] = true;
      try {
        const page = await fetchMore(projectRef, status, { ...this.filter }, cursor);
        // A reload or another filter meanwhile answers for itself.
        if (this.projectRef !== projectRef || this.loadedFilter !== key || column !== this.columns[statusId]) return;
        const have = new Set(this.tickets.map((t) => t.id));
        this.tickets = markRaw([...this.tickets, ...page.items.filter((t) => !have.has(t.id))]);
        this.columns[statusId] = { ...column, cursor: page.nextCursor };
      } catch (err) {
        useNotices().error(`More tickets of ${status.name} could not be loaded: ${errorMessage(err)}`);
      } finally {
        delete this.paging[statusId];
      }
    },
    /** Every page of every column (the list view shows them all). */
    async loadAll() {
      for (const id of Object.keys(this.columns)) {
        while (this.columns[id]?.cursor) {
          const before = this.columns[id];
          await this.loadMore(id);
          if (this.columns[id] === before) return;
        }
      }
    },
    async reload() {
      if (this.projectRef) await this.load(this.projectRef, this.projectId);
    },
    async move(ticketId: string, status: { id: string; name: string }) {
      const ticket = this.tickets.find((t) => t.id === ticketId);
      if (!ticket || ticket.statusId === status.id) return;
      const previous = { statusId: ticket.statusId, statusName: ticket.statusName };
      this.replace(ticketId, { statusId: status.id, statusName: status.name });
      this.count(previous.statusId, status.id);
      this.moving[ticketId] = status.id;
      try {
        const updated = await api.tickets.move.mutate({ ticket: ticket.identifier, status: status.name });
        this.replace(ticketId, { ...updated, statusName: status.name });
      } catch (err) {
        this.replace(ticketId, previous);
        this.count(status.id, previous.statusId);
        useNotices().error(`${ticket.identifier} was not moved to ${status.name}: ${errorMessage(err)}`);
      } finally {
        delete this.moving[ticketId];
      }
    },
    /** A changed copy of one ticket in a new list (the list is not deeply reactive). */
    replace(ticketId: string, change: Partial<BoardTicket>) {
      this.tickets = markRaw(this.tickets.map((t) => (t.id === ticketId ? { ...t, ...change } : t)));
    },
    /** One ticket counted in another column until the server's counts come back. */
    count(from: string, to: string) {
      const [a, b] = [this.columns[from], this.columns[to]];
      if (a) this.columns[from] = { ...a, total: Math.max(0, a.total - 1) };
      if (b) this.columns[to] = { ...b, total: b.total + 1 };
    },
    /**
     * Moves and/or reprioritizes several tickets in one call (one transaction: all or none). Says what happened
     * in one message whose Undo sends each ticket's previous status and priority back the same way.
     */
    async bulkUpdate(items: BulkItem[], said: string) {
      const before = items.flatMap((i) => {
        const t = this.tickets.find((x) => x.identifier === i.ticket);
        return t ? [{ ticket: t.identifier, status: t.statusName, priority: t.priority }] : [];
      });
      try {
        await api.tickets.bulkUpdate.mutate({ project: this.projectRef!, items });
      } catch (err) {
        useNotices().error(`Nothing was changed: ${errorMessage(err)}`);
        return false;
      }
      await this.reload();
      useNotices().withAction(said, {
        label: 'Undo',
        run: async () => {
          try {
            await api.tickets.bulkUpdate.mutate({ project: this.projectRef!, items: before });
            useNotices().info(`Undone: ${before.length} ${before.length === 1 ? 'ticket is' : 'tickets are'} back`);
          } catch (err) {
            useNotices().error(`Could not undo: ${errorMessage(err)}`);
          }
          await this.reload();
        },
      });
      return true;
    },
    /** Deletes the picked tickets in one call; throws the refusal (the confirmation dialog shows it). */
    async bulkDelete(identifiers: string[]) {
      const { deleted } = await api.tickets.bulkDelete.mutate({ project: this.projectRef!, tickets: identifiers });
      this.selected = [];
      await this.reload();
      useNotices().info(
        `Deleted ${deleted.length} ${deleted.length === 1 ? 'ticket' : 'tickets'}: ${deleted.join(', ')}`,
      );
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
      // The filter is the server's: a new one reloads the columns (after the typing pauses).
      const refilter = coalesce(() => {
        if (this.projectRef && filterKey(this.filter) !== this.loadedFilter) void this.reload();
      }, 150);
      watch(() => filterKey(this.filter), refilter);
    },
  },
});
