import type { RouteRecordRaw } from 'vue-router';

export const repositoryRoutes: RouteRecordRaw[] = [
  {
    path: 'repositories',
    name: 'repositories',
    component: () => import('./RepositoriesPage.vue'),
    meta: { title: 'Repositories' },
  },
];
