/** A project's scheduled jobs and the one opened in detail; reloaded when a job changes or fires. */
import { defineStore } from 'pinia';
import { api, type RouterInputs, type RouterOutputs } from '../api/client';
import { trackLoad } from '../ui/async-state';
import { coalesce, onChange, onResync } from '../live/live';

export type Job = RouterOutputs['jobs']['list'][number];
export type JobDetail = RouterOutputs['jobs']['show'];
export type JobTemplateForm = RouterInputs['jobs']['create']['template'];

export const useJobs = defineStore('jobs', {
  state: () => ({
    projectRef: null as string | null,
    projectId: null as string | null,
    jobs: [] as Job[],
    loading: false,
    loaded: false,
    error: null as string | null,
    /** The job shown on its detail page. */
    detailName: null as string | null,
    detail: null as JobDetail | null,
    detailState: { loading: false, loaded: false, error: null as string | null },
  }),
  actions: {
    async load(projectRef: string, projectId: string) {
      if (this.projectId !== projectId) {
        this.jobs = [];
        this.loaded = false;
      }
      this.projectRef = projectRef;
      this.projectId = projectId;
      await trackLoad(this, async () => {
        const jobs = await api.jobs.list.query({ project: projectRef });
        if (this.projectId !== projectId) return false;
        this.jobs = jobs;
      });
    },
    async open(projectRef: string, name: string) {
      if (this.detailName !== name) this.detail = null;
      this.detailName = name;
      await trackLoad(this.detailState, async () => {
        const detail = await api.jobs.show.query({ project: projectRef, job: name, nextCount: 5, fireLimit: 50 });
        if (this.detailName !== name) return false;
        this.detail = detail;
      });
    },
    close() {
      this.detailName = null;
      this.detail = null;
    },
    async reload() {
      if (!this.projectRef || !this.projectId) return;
      await this.load(this.projectRef, this.projectId);
      if (this.detailName) await this.open(this.projectRef, this.detailName).catch(() => {});
    },
    follow() {
      const reload = coalesce(() => void this.reload(), 200);
      onResync(reload);
      onChange((change) => {
        if (this.projectId && change.projectId === this.projectId && change.entityType === 'scheduled_job') reload();
      });
    },
  },
});
