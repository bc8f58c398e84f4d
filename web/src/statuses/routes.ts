import type { RouteRecordRaw } from 'vue-router';

export const statusRoutes: RouteRecordRaw[] = [
  { path: 'statuses', name: 'statuses', component: () => import('./StatusesPage.vue'), meta: { title: 'Statuses' } },
];
