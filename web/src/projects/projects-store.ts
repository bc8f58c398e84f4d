/** The organization's projects, and the one the console is showing (with its statuses). */
import { defineStore } from 'pinia';
import { api, type RouterInputs, type RouterOutputs } from '../api/client';
import { errorMessage } from '../api/errors';
import { notLoaded, trackLoad } from '../ui/async-state';
import { coalesce, onChange, onResync } from '../live/live';

export type Project = RouterOutputs['projects']['list'][number];
export type ProjectDetail = RouterOutputs['projects']['get'];
export type Status = ProjectDetail['statuses'][number];

const LAST_PROJECT_KEY = 'openase.lastProject';

export const useProjects = defineStore('projects', {
  state: () => ({
    list: [] as Project[],
    ...notLoaded(),
    /** The project in the URL, with statuses and repositories. */
    current: null as ProjectDetail | null,
    currentRef: null as string | null,
    currentError: null as string | null,
  }),
  getters: {
    statuses: (state): Status[] => state.current?.statuses ?? [],
    /** The current project's status names, in board order (the choices of a status drop-down). */
    statusNames: (state): string[] => (state.current?.statuses ?? []).map((s) => s.name),
  },
  actions: {
    async loadList() {
      await trackLoad(this, async () => {
        this.list = await api.projects.list.query();
      });
    },
    async open(ref: string) {
      if (this.currentRef !== ref) this.current = null;
      this.currentRef = ref;
      try {
        const detail = await api.projects.get.query({ project: ref });
        if (this.currentRef !== ref) return;
        this.current = detail;
        this.currentError = null;
        localStorage.setItem(LAST_PROJECT_KEY, detail.slug);
      } catch (err) {
        if (this.currentRef === ref) this.currentError = errorMessage(err);
      }
    },
    async reloadCurrent() {
      if (this.currentRef) await this.open(this.currentRef);
    },
    async create(input: RouterInputs['projects']['create']) {
      const project = await api.projects.create.mutate(input);
      await this.loadList();
      return project;
    },
    lastProject(): string | null {
      const slug = localStorage.getItem(LAST_PROJECT_KEY);
      return slug && this.list.some((p) => p.slug === slug) ? slug : (this.list[0]?.slug ?? null);
    },
    /** Follow live changes: project and status changes reload what they touch. */
    follow() {
      const reloadList = coalesce(() => void this.loadList());
      const reloadCurrent = coalesce(() => void this.reloadCurrent());
      onResync(() => {
        reloadList();
        reloadCurrent();
      });
      onChange((change) => {
        if (change.entityType === 'project') reloadList();
        if (
          change.projectId &&
          change.projectId === this.current?.id &&
          (change.entityType === 'status' || change.entityType === 'project' || change.entityType === 'repository')
        )
          reloadCurrent();
      });
    },
  },
});
