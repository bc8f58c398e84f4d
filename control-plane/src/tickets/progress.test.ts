import { expect, it } from 'vitest';
import { forEachDatabase } from '@openase/test-kit/databases';
import { expectCode } from '../../test/expect-code.js';
import { createProject } from '../projects/projects.js';
import { createTicket } from './tickets.js';
import { latestProgress, reportProgress } from './progress.js';

forEachDatabase('ticket progress', (get) => {
  it('records progress reports as activity and returns the latest', async () => {
    const { deps, admin } = get();
    await createProject(deps, admin, { name: 'Prog' });
    const t = await createTicket(deps, admin, { project: 'prog', title: 'x' });
    expect(await latestProgress(deps.db, t.id)).toBeNull();
    await reportProgress(deps, admin, { ticket: t.identifier, text: 'tests written', percent: 40 });
    await reportProgress(deps, admin, { ticket: t.identifier, text: 'implementing' });
    expect(await latestProgress(deps.db, t.id)).toMatchObject({ text: 'implementing', percent: null, by: 'admin' });
    await expectCode(
      reportProgress(deps, admin, { ticket: t.identifier, text: 'x', percent: 101 }),
      'VALIDATION_FAILED',
    );
    await expectCode(
      reportProgress(deps, { ...admin, role: 'viewer' }, { ticket: t.identifier, text: 'x' }),
      'FORBIDDEN',
    );
  });
});
