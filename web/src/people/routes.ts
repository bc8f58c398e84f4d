import type { RouteRecordRaw } from 'vue-router';

/** Organization pages (not under a project). */
export const peopleRoutes: RouteRecordRaw[] = [
  { path: 'people', name: 'people', component: () => import('./PeoplePage.vue'), meta: { title: 'People' } },
];
