import type { RouteRecordRaw } from 'vue-router';
import AppShell from '../app/AppShell.vue';

/** Routes under `/p/:project`, contributed by each domain. */
export const projectChildRoutes: RouteRecordRaw[] = [
  { path: '', redirect: (to) => ({ name: 'board', params: to.params }) },
];

/** `orgRoutes`: pages of the whole organization, next to the project list. */
export function projectRoutes(children: RouteRecordRaw[], orgRoutes: RouteRecordRaw[] = []): RouteRecordRaw[] {
  return [
    {
      path: '/',
      component: AppShell,
      children: [
        { path: '', name: 'home', component: () => import('./HomeRedirect.vue') },
        {
          path: 'projects',
          name: 'projects',
          component: () => import('./ProjectsPage.vue'),
          meta: { title: 'Projects' },
        },
        ...orgRoutes,
        { path: 'p/:project', component: () => import('./ProjectLayout.vue'), children },
        { path: ':rest(.*)*', name: 'not-found', component: () => import('../ui/NotFoundPage.vue') },
      ],
    },
  ];
}
