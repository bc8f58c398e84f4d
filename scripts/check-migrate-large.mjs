// `npm run check:migrate-large [-- --tickets N --events N]`: issue 17's large move, end to end
// (control-plane/test/migrate-to-large.test.ts): 10,000 tickets and 1 M run events on the embedded database moved to
// PostgreSQL with `openase db migrate-to`, then the board, the runs and a secret-using agent run on the moved server.
// Takes minutes, so it is not part of `npm test`. PostgreSQL: TEST_DATABASE_URL, else the local test server.
import { parseArgs } from 'node:util';
import { ensureInstalled, pnpm, root } from './lib/bootstrap.mjs';

const { values } = parseArgs({
  options: { tickets: { type: 'string', default: '10000' }, events: { type: 'string', default: '1000000' } },
});
ensureInstalled();
pnpm(['exec', 'vitest', 'run', 'control-plane/test/migrate-to-large.test.ts'], {
  cwd: root,
  env: {
    ...process.env,
    OPENASE_CHECK_MIGRATE_LARGE: '1',
    OPENASE_CHECK_MIGRATE_TICKETS: values.tickets,
    OPENASE_CHECK_MIGRATE_EVENTS: values.events,
    TEST_DATABASE_URL: process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
  },
});
