/**
 * The whole API surface. The web and the CLI import only the *type* `AppRouter` from here.
 */
import { activityRouter } from './routers/activity.js';
import { chatRouter } from './routers/chat.js';
import { liveRouter } from './routers/live.js';
import { machinesRouter } from './routers/machines.js';
import { runsRouter } from './routers/runs.js';
import { authRouter, tokensRouter } from './routers/auth.js';
import { projectsRouter, repositoriesRouter } from './routers/projects.js';
import { statusesRouter } from './routers/statuses.js';
import { commentsRouter, ticketsRouter, viewsRouter } from './routers/tickets.js';
import { agentsRouter, skillsRouter, workflowsRouter } from './routers/workflows.js';
import { jobsRouter } from './routers/jobs.js';
import { auditRouter, authSettingsRouter, invitationsRouter, membersRouter } from './routers/people.js';
import { inboxRouter, notifyRouter } from './routers/notifications.js';
import { router } from './trpc.js';

export const appRouter = router({
  auth: authRouter,
  tokens: tokensRouter,
  projects: projectsRouter,
  repositories: repositoriesRouter,
  statuses: statusesRouter,
  tickets: ticketsRouter,
  comments: commentsRouter,
  views: viewsRouter,
  activity: activityRouter,
  machines: machinesRouter,
  runs: runsRouter,
  agents: agentsRouter,
  workflows: workflowsRouter,
  skills: skillsRouter,
  live: liveRouter,
  jobs: jobsRouter,
  chat: chatRouter,
  members: membersRouter,
  invitations: invitationsRouter,
  authSettings: authSettingsRouter,
  audit: auditRouter,
  notify: notifyRouter,
  inbox: inboxRouter,
});

export type AppRouter = typeof appRouter;
