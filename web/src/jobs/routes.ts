import type { RouteRecordRaw } from 'vue-router';

export const jobRoutes: RouteRecordRaw[] = [
  { path: 'jobs', name: 'jobs', component: () => import('./JobsPage.vue'), meta: { title: 'Scheduled jobs' } },
  { path: 'jobs/:job', name: 'job', component: () => import('./JobPage.vue'), meta: { title: 'Scheduled job' } },
];
