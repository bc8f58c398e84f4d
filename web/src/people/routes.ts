import type { RouteRecordRaw } from 'vue-router';

/** Organization pages (not under a project). */
export const peopleRoutes: RouteRecordRaw[] = [
  { path: 'people', name: 'people', component: () => import('./PeoplePage.vue'), meta: { title: 'People' } },
  { path: 'inbox', name: 'inbox', component: () => import('./InboxPage.vue'), meta: { title: 'Inbox' } },
  { path: 'settings', name: 'settings', component: () => import('./SettingsPage.vue'), meta: { title: 'Settings' } },
  { path: 'tokens', name: 'tokens', component: () => import('./TokensPage.vue'), meta: { title: 'API tokens' } },
  { path: 'audit', name: 'audit', component: () => import('./AuditPage.vue'), meta: { title: 'Audit' } },
];
