import type { RouteRecordRaw } from 'vue-router';

export const authRoutes: RouteRecordRaw[] = [
  {
    path: '/signin',
    name: 'signin',
    component: () => import('./SignInPage.vue'),
    meta: { public: true, title: 'Sign in' },
  },
  {
    path: '/invite',
    name: 'invite',
    component: () => import('./AcceptInvitePage.vue'),
    meta: { public: true, title: 'Join' },
  },
];
