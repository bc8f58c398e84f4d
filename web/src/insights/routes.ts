import type { RouteRecordRaw } from 'vue-router';

export const insightRoutes: RouteRecordRaw[] = [
  { path: 'overview', name: 'overview', component: () => import('./OverviewPage.vue'), meta: { title: 'Overview' } },
  { path: 'timeline', name: 'timeline', component: () => import('./TimelinePage.vue'), meta: { title: 'Timeline' } },
];
