import type { RouteRecordRaw } from 'vue-router';

export const ticketRoutes: RouteRecordRaw[] = [
  { path: 'board/:ticket?', name: 'board', component: () => import('./board/BoardPage.vue'), meta: { title: 'Board' } },
];
