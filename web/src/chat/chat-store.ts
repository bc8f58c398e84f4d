/**
 * Project AI in the console: the project's conversations (tabs), the open one's messages and its
 * run events (streamed over one SSE subscription, `chat.onEvents`, for the open tab only), and
 * the actions: start, send, interrupt, close.
 */
import { defineStore } from 'pinia';
import type { Unsubscribable } from '@trpc/server/observable';
import { api, type RouterInputs, type RouterOutputs } from '../api/client';
import { errorDetails, errorMessage } from '../api/errors';
import type { ChatNoMachine } from '@openase/shared';
import { coalesce, onChange, onResync } from '../live/live';
import type { ChatEvent } from './transcript';

export type Conversation = RouterOutputs['chat']['list'][number];
export type ConversationDetail = RouterOutputs['chat']['show'];
export type Attachment = RouterInputs['chat']['send']['attachments'] extends (infer A)[] | undefined ? A : never;

export const useChat = defineStore('chat', {
  state: () => ({
    open: false,
    project: null as string | null,
    conversations: [] as Conversation[],
    activeId: null as string | null,
    detail: null as ConversationDetail | null,
    events: [] as ChatEvent[],
    sending: false,
    error: null as string | null,
    /** The last message could not start the agent: no connected machine can run it (said in words by ChatHints). */
    noMachine: null as ChatNoMachine | null,
  }),
  actions: {
    toggle(project: string | null) {
      this.open = !this.open;
      if (this.open && project) void this.load(project);
    },
    async load(project: string) {
      this.followLive();
      if (this.project !== project) this.select(null, false);
      this.project = project;
      try {
        this.conversations = await api.chat.list.query({ project });
        this.error = null;
        // Reopened (the panel, the page): back to the conversation last open here, else the latest one still open.
        if (!this.activeId) {
          const remembered = localStorage.getItem(rememberKey(project));
          const pick =
            this.conversations.find((c) => c.id === remembered) ?? this.conversations.find((c) => c.state === 'open');
          if (pick) this.select(pick.id);
        }
      } catch (err) {
        this.error = errorMessage(err);
      }
    },
    /** `remember`: the tab chosen by the person, restored when the panel or the page is opened again. */
    select(id: string | null, remember = true) {
      stopFollowing();
      this.activeId = id;
      if (remember && this.project) localStorage.setItem(rememberKey(this.project), id ?? '');
      this.detail = null;
      this.events = [];
      this.noMachine = null;
      if (id) void this.refresh();
    },
    async refresh() {
      const id = this.activeId;
      if (!id) return;
      try {
        const detail = await api.chat.show.query({ conversation: id });
        if (this.activeId !== id) return;
        this.detail = detail;
        const runIds = detail.runs.map((r) => r.id);
        // Earlier runs' transcripts (a reopened conversation), then follow the current one live.
        const past: ChatEvent[] = [];
        for (const runId of runIds.filter((r) => r !== detail.currentRunId)) {
          const page = await api.runs.events.query({ run: runId, limit: 1000 });
          past.push(...page.map((e) => ({ runId, seq: e.seq, event: e.event as ChatEvent['event'] })));
        }
        if (this.activeId !== id) return;
        const live = this.events.filter((e) => e.runId === detail.currentRunId);
        this.events = [...past, ...live];
        if (detail.currentRunId) this.follow(id, detail.currentRunId);
      } catch (err) {
        this.error = errorMessage(err);
      }
    },
    follow(conversation: string, runId: string) {
      if (following?.runId === runId) return;
      stopFollowing();
      const last = this.events.filter((e) => e.runId === runId).at(-1)?.seq ?? 0;
      const sub = api.chat.onEvents.subscribe(
        { conversation, run: runId, lastEventId: String(last) },
        {
          onData: (tracked) => {
            const e = tracked.data;
            if (this.activeId !== conversation || this.events.some((x) => x.runId === runId && x.seq === e.seq)) return;
            this.events.push({ runId, seq: e.seq, event: e.event as ChatEvent['event'] });
            // A finished turn changes the conversation's state, cost and messages; the first
            // events of a run that was starting (or waiting for a slot) mean it is working now.
            if (e.event.type === 'turn.finished' || e.event.type === 'cost') void this.refreshDetail();
            else if (this.detail?.activity === 'starting' && !startingRefresh) {
              startingRefresh = this.refreshDetail().finally(() => (startingRefresh = null));
            }
          },
          onError: (err) => (this.error = errorMessage(err)),
          onComplete: () => void this.refreshDetail(),
        },
      );
      following = { runId, sub };
    },
    async refreshDetail() {
      // Refreshes overlap (events, live changes, an action); only the latest one's answer is shown.
      const mine = ++detailLoads;
      const id = this.activeId;
      const detail = id ? await api.chat.show.query({ conversation: id }).catch(() => null) : null;
      if (detail && detail.id === this.activeId && mine === detailLoads) this.detail = detail;
      if (this.project) {
        const list = await api.chat.list.query({ project: this.project }).catch(() => null);
        if (list && mine === detailLoads) this.conversations = list;
      }
    },
    /**
     * A conversation's state changes apart from its run's events: the control plane records that the agent waits
     * for the person (`chat.waiting`) when the daemon's turn frame arrives, which can be after the turn's last event
     * reached this tab. Those changes reach every tab on the live stream; they refresh what the panel shows.
     */
    followLive() {
      if (liveFollowed) return;
      liveFollowed = true;
      const refresh = coalesce(() => void this.refreshDetail());
      onResync(refresh);
      onChange((change) => {
        if (change.entityType !== 'chat_conversation') return;
        if (change.entityId === this.activeId || this.conversations.some((c) => c.projectId === change.projectId))
          refresh();
      });
    },
    async send(text: string, attachments: Attachment[], agent?: string) {
      if (!this.project || !text.trim()) return;
      this.sending = true;
      this.error = null;
      this.noMachine = null;
      try {
        if (this.activeId) {
          const sent = await api.chat.send.mutate({ conversation: this.activeId, message: text, attachments });
          await this.refresh();
          if (sent.run.id !== following?.runId) this.follow(this.activeId, sent.run.id);
        } else {
          const created = await api.chat.create.mutate({
            project: this.project,
            message: text,
            attachments,
            ...(agent ? { agent } : {}),
          });
          await this.load(this.project);
          this.select(created.conversation.id);
        }
        return true;
      } catch (err) {
        this.noMachine = (errorDetails(err)?.noMachine as ChatNoMachine | undefined) ?? null;
        this.error = this.noMachine ? null : errorMessage(err);
        return false;
      } finally {
        this.sending = false;
      }
    },
    async interrupt() {
      if (!this.activeId) return;
      await api.chat.interrupt.mutate({ conversation: this.activeId }).catch((err) => (this.error = errorMessage(err)));
    },
    async close() {
      if (!this.activeId) return;
      await api.chat.close.mutate({ conversation: this.activeId }).catch((err) => (this.error = errorMessage(err)));
      await this.refreshDetail();
    },
  },
});

const rememberKey = (project: string) => `openase.chat.${project}`;

let following: { runId: string; sub: Unsubscribable } | null = null;
let liveFollowed = false;
let detailLoads = 0;
/** One detail refresh at a time while a run starts (its first events each ask for one). */
let startingRefresh: Promise<void> | null = null;
function stopFollowing() {
  following?.sub.unsubscribe();
  following = null;
}
