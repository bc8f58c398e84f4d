/** A project's audit stream: the latest entries, then every new one as it commits. */
import { defineStore } from 'pinia';
import { api, type RouterOutputs } from '../api/client';
import { trackLoad } from '../ui/async-state';
import { projectScope } from '../projects/project-scope';
import { onChange, onResync } from '../live/live';

export type ActivityEntry = RouterOutputs['activity']['list']['items'][number];

const PAGE = 300;

export const useActivity = defineStore('activity', {
  state: () => ({
    ...projectScope(),
    entries: [] as ActivityEntry[],
  }),
  getters: {
    /** Entries before the earliest one loaded exist (seqs are per project, from 1). */
    hasEarlier: (state) => (state.entries[0]?.seq ?? 1) > 1,
  },
  actions: {
    async load(projectRef: string, projectId: string, latestSeq: number) {
      if (this.projectId !== projectId) this.entries = [];
      this.projectRef = projectRef;
      this.projectId = projectId;
      await trackLoad(this, async () => {
        const page = await api.activity.list.query({
          project: projectRef,
          afterSeq: Math.max(0, latestSeq - PAGE),
          limit: 1000,
        });
        if (this.projectId !== projectId) return false;
        this.entries = page.items;
      });
    },
    /** The page before the earliest entry shown ("Show earlier"). */
    async loadEarlier() {
      const first = this.entries[0]?.seq;
      const projectId = this.projectId;
      if (!this.projectRef || !first || first <= 1) return;
      const from = Math.max(0, first - 1 - PAGE);
      const page = await api.activity.list.query({ project: this.projectRef, afterSeq: from, limit: first - 1 - from });
      if (this.projectId !== projectId) return;
      this.entries = [...page.items.filter((e) => (e.seq ?? 0) < first), ...this.entries];
    },
    follow() {
      onResync(async () => {
        if (!this.projectRef || !this.projectId) return;
        const project = await api.projects.get.query({ project: this.projectRef }).catch(() => null);
        if (project) await this.load(this.projectRef, this.projectId, project.activitySeq);
      });
      onChange((change) => {
        if (!this.projectId || change.projectId !== this.projectId) return;
        const last = this.entries[this.entries.length - 1];
        if (last && (change.seq ?? 0) <= (last.seq ?? 0)) return;
        this.entries.push(change as ActivityEntry);
      });
    },
  },
});
