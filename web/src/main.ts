import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { createAppRouter } from './app/router';
import { setUnauthorizedHandler } from './api/client';
import { useSession } from './auth/session';
import { useProjects } from './projects/projects-store';
import { useBoard } from './tickets/board-store';
import { useTicket } from './tickets/ticket-store';
import { useActivity } from './activity/activity-store';
import { useJobs } from './jobs/jobs-store';
import { useFleet } from './fleet/fleet-store';
import { useWorkflows } from './workflows/workflows-store';
import { vCan } from './auth/permissions';
import { startTheme } from './ui/theme';
import './ui/main.css';

startTheme();

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);
app.directive('can', vCan);
const router = createAppRouter();
app.use(router);

const session = useSession();
setUnauthorizedHandler(() => {
  // The first check (status unknown) is the router guard's to answer; public pages (sign-in, invitations) stay.
  if (session.status === 'unknown' || router.currentRoute.value.meta.public) return;
  if (session.status === 'signedIn') session.signedOut();
  void router.push({ name: 'signin' });
});
// Each domain store follows the tab's one live stream.
for (const store of [useProjects(), useBoard(), useTicket(), useActivity(), useFleet(), useWorkflows(), useJobs()])
  store.follow();

app.mount('#app');
