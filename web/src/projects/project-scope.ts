/** What every project-scoped store (board, workflows, jobs, activity) shares: which project it shows, its load. */
import { notLoaded, type LoadState } from '../ui/async-state';

export interface ProjectScope extends LoadState {
  /** The project's slug (what the API takes) and id (what live changes carry). */
  projectRef: string | null;
  projectId: string | null;
}

/** How a project-scoped store begins: no project yet, nothing loaded. */
export const projectScope = (): ProjectScope => ({ projectRef: null, projectId: null, ...notLoaded() });

/**
 * Points a store at the project it is about to load. When that is another project than the one it shows (`other`),
 * `clear` drops what it held first and it counts as not loaded, so the page shows it loading rather than stale.
 */
export function enterProject(
  store: ProjectScope,
  projectRef: string,
  projectId: string | null,
  other: boolean,
  clear: () => void,
): void {
  if (other) {
    clear();
    store.loaded = false;
  }
  store.projectRef = projectRef;
  store.projectId = projectId;
}
