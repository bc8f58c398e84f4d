import type { RouteRecordRaw } from 'vue-router';

export const fleetRoutes: RouteRecordRaw[] = [
  { path: 'machines', name: 'machines', component: () => import('./MachinesPage.vue'), meta: { title: 'Machines' } },
];
