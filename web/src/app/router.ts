/**
 * Routes, composed from each domain's own list. A new capability (workflows, fleet, runs) adds
 * its routes file here and its entries to `nav.ts`; nothing else changes.
 */
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { authRoutes } from '../auth/routes';
import { projectRoutes, projectChildRoutes } from '../projects/routes';
import { ticketRoutes } from '../tickets/routes';
import { activityRoutes } from '../activity/routes';
import { statusRoutes } from '../statuses/routes';
import { jobRoutes } from '../jobs/routes';
import { fleetRoutes } from '../fleet/routes';
import { workflowRoutes } from '../workflows/routes';
import { agentRoutes } from '../agents/routes';
import { skillRoutes } from '../skills/routes';
import { repositoryRoutes } from '../repositories/routes';
import { peopleRoutes } from '../people/routes';
import { insightRoutes } from '../insights/routes';
import { useSession } from '../auth/session';

const routes: RouteRecordRaw[] = [
  ...authRoutes,
  ...projectRoutes(
    [
      ...ticketRoutes,
      ...activityRoutes,
      ...insightRoutes,
      ...statusRoutes,
      ...workflowRoutes,
      ...agentRoutes,
      ...skillRoutes,
      ...repositoryRoutes,
      ...fleetRoutes,
      ...jobRoutes,
      ...projectChildRoutes,
    ],
    peopleRoutes,
  ),
];

export function createAppRouter() {
  const router = createRouter({ history: createWebHistory(), routes });
  router.beforeEach(async (to) => {
    const session = useSession();
    if (session.status === 'unknown') await session.load();
    if (to.meta.public) return session.status === 'signedIn' && to.name === 'signin' ? { name: 'home' } : true;
    if (session.status === 'signedOut')
      return { name: 'signin', query: to.fullPath !== '/' ? { next: to.fullPath } : {} };
    return true;
  });
  router.afterEach((to) => {
    const project = typeof to.params.project === 'string' ? to.params.project : null;
    const ticket = typeof to.params.ticket === 'string' && to.params.ticket ? to.params.ticket : null;
    document.title = [ticket, to.meta.title, project, 'OpenASE'].filter(Boolean).join(' · ');
  });
  return router;
}

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without signing in. */
    public?: boolean;
    /** Shown in the title bar. */
    title?: string;
  }
}
