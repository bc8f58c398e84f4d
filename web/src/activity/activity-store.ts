/** A project's audit stream: the latest entries, then every new one as it commits. */
import { defineStore } from 'pinia';
import { api, type RouterOutputs } from '../api/client';
import { trackLoad } from '../ui/async-state';
import { onChange, onResync } from '../live/live';

export type ActivityEntry = RouterOutputs['activity']['list'][number];

const PAGE = 300;

export const useActivity = defineStore('activity', {
  state: () => ({
    projectId: null as string | null,
    projectRef: null as string | null,
    entries: [] as ActivityEntry[],
    loading: false,
    loaded: false,
    error: null as string | null,
  }),
  actions: {
    async load(projectRef: string, projectId: string, latestSeq: number) {
      if (this.projectId !== projectId) this.entries = [];
      this.projectRef = projectRef;
      this.projectId = projectId;
      await trackLoad(this, async () => {
        const entries = await api.activity.list.query({
          project: projectRef,
          afterSeq: Math.max(0, latestSeq - PAGE),
          limit: 1000,
        });
        if (this.projectId !== projectId) return false;
        this.entries = entries;
      });
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
