/** The person's saved views of the current project's board (`views.*`: their own, kept on the server). */
import { defineStore } from 'pinia';
import type { SavedViewQuery } from '@openase/shared';
import { api, type RouterOutputs } from '../api/client';
import { errorMessage } from '../api/errors';
import { useNotices } from '../ui/notices';

export type SavedView = RouterOutputs['views']['list'][number];

/** The URL query of the board that a view keeps (filters and list/board), without empty keys. */
export function viewQuery(query: Record<string, unknown>): SavedViewQuery {
  const out: Record<string, string> = {};
  for (const key of ['q', 'label', 'priority', 'view'] as const) {
    const v = query[key];
    if (typeof v === 'string' && v) out[key] = v;
  }
  return out as SavedViewQuery;
}

export const useViews = defineStore('views', {
  state: () => ({ project: null as string | null, items: [] as SavedView[] }),
  actions: {
    async load(project: string) {
      if (this.project !== project) this.items = [];
      this.project = project;
      try {
        const items = await api.views.list.query({ project });
        if (this.project === project) this.items = items;
      } catch (err) {
        useNotices().error(`Saved views could not be read: ${errorMessage(err)}`);
      }
    },
    async save(name: string, query: SavedViewQuery) {
      await api.views.save.mutate({ project: this.project!, name, query });
      await this.load(this.project!);
      useNotices().info(`Saved the view “${name.trim()}”`);
    },
    async remove(name: string) {
      try {
        await api.views.delete.mutate({ project: this.project!, name });
        useNotices().info(`Deleted the view “${name}”`);
      } catch (err) {
        useNotices().error(`The view “${name}” was not deleted: ${errorMessage(err)}`);
      }
      await this.load(this.project!);
    },
  },
});
