import type { RouteRecordRaw } from 'vue-router';

export const activityRoutes: RouteRecordRaw[] = [
  { path: 'activity', name: 'activity', component: () => import('./ActivityPage.vue'), meta: { title: 'Activity' } },
];
