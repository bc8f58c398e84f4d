import type { RouteRecordRaw } from 'vue-router';

export const skillRoutes: RouteRecordRaw[] = [
  { path: 'skills', name: 'skills', component: () => import('./SkillsPage.vue'), meta: { title: 'Skills' } },
];
