import type { RouteRecordRaw } from 'vue-router';

export const agentRoutes: RouteRecordRaw[] = [
  { path: 'agents', name: 'agents', component: () => import('./AgentsPage.vue'), meta: { title: 'Agents' } },
];
