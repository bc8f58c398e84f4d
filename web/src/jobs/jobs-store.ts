/** A project's scheduled jobs and the one opened in detail; reloaded when a job changes or fires. */
import { defineStore } from 'pinia';
import { api, type RouterInputs, type RouterOutputs } from '../api/client';
import { notLoaded, trackLoad } from '../ui/async-state';
import { enterProject, projectScope } from '../projects/project-scope';
import { coalesce, onChange, onResync } from '../live/live';

export type Job = RouterOutputs['jobs']['list'][number];
export type JobDetail = RouterOutputs['jobs']['show'];
export type JobTemplateForm = RouterInputs['jobs']['create']['template'];

export const useJobs = defineStore('jobs', {
  state: () => ({
    ...projectScope(),
    jobs: [] as Job[],
    /** The job shown on its detail page. */
    detailName: null as string | null,
    detail: null as JobDetail | null,
    detailState: notLoaded(),
  }),
  actions: {
    async load(projectRef: string, projectId: string) {
      enterProject(this, projectRef, projectId, this.projectId !== projectId, () => (this.jobs = []));
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
