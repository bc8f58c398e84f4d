/**
 * The workflows of the current project (list, activate, create from template) and the editor's
 * reference (templates, variables, hooks). The editor page holds its own draft.
 */
import { defineStore } from 'pinia';
import { api, type RouterOutputs } from '../api/client';
import { coalesce, onChange, onResync } from '../live/live';
import { trackLoad } from '../ui/async-state';
import { enterProject, projectScope } from '../projects/project-scope';

export type WorkflowSummary = RouterOutputs['workflows']['list'][number];
export type WorkflowReference = RouterOutputs['workflows']['reference'];

export const useWorkflows = defineStore('workflows', {
  state: () => ({
    ...projectScope(),
    list: [] as WorkflowSummary[],
    reference: null as WorkflowReference | null,
  }),
  actions: {
    async load(projectRef: string, projectId: string | null) {
      enterProject(this, projectRef, projectId, this.projectRef !== projectRef, () => (this.list = []));
      await trackLoad(this, async () => {
        const [list, reference] = await Promise.all([
          api.workflows.list.query({ project: projectRef }),
          this.reference ?? api.workflows.reference.query(),
        ]);
        if (this.projectRef !== projectRef) return false;
        this.list = list;
        this.reference = reference;
      });
    },
    async reload() {
      if (this.projectRef) await this.load(this.projectRef, this.projectId);
    },
    async setActive(workflow: string, active: boolean) {
      await api.workflows.setActive.mutate({ project: this.projectRef!, workflow, active });
      await this.reload();
    },
    async createFromTemplate(template: WorkflowReference['templates'][number], agent: string | undefined) {
      const created = await api.workflows.create.mutate({ project: this.projectRef!, template, agent });
      await this.reload();
      return created;
    },
    follow() {
      const reload = coalesce(() => this.loaded && void this.reload());
      onResync(reload);
      onChange((change) => {
        if (
          this.projectId &&
          change.projectId === this.projectId &&
          (change.entityType === 'workflow' || change.entityType === 'agent' || change.entityType === 'status')
        )
          reload();
      });
    },
  },
});
