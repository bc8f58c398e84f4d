import type { RouteRecordRaw } from 'vue-router';

export const workflowRoutes: RouteRecordRaw[] = [
  {
    path: 'workflows',
    name: 'workflows',
    component: () => import('./WorkflowsPage.vue'),
    meta: { title: 'Workflows' },
  },
  {
    path: 'workflows/:workflow',
    name: 'workflow',
    component: () => import('./WorkflowEditorPage.vue'),
    meta: { title: 'Workflow' },
  },
];
