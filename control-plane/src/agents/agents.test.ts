import { expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { forEachDatabase } from '@openase/test-kit/databases';
import { expectCode } from '../../test/expect-code.js';
import { createProject } from '../projects/projects.js';
import { listActivity } from '../activity/activity.js';
import { secrets } from '../db/schema.js';
import { agentSecretEnv, createAgent, deleteAgent, listAgents, showAgent, updateAgent } from './agents.js';

forEachDatabase('agents', (get) => {
  it('creates an agent with defaults from its adapter and model, keeping secrets encrypted and write-only', async () => {
    const { deps, admin } = get();
    const project = await createProject(deps, admin, { name: 'Agents' });
    const agent = await createAgent(deps, admin, {
      project: 'agents',
      name: 'claude',
      adapter: 'claude-code',
      model: 'claude-opus-4-1',
      env: { LOG: '1' },
      secrets: { ANTHROPIC_API_KEY: 'sk-ant-very-secret' },
      machineLabels: ['gpu', 'gpu'],
    });
    expect(agent).toMatchObject({
      command: 'claude',
      model: 'claude-opus-4-1',
      pricing: { input: 15, output: 75, cached: 1.5 },
      machineLabels: ['gpu'],
      env: { LOG: '1' },
    });
    expect(agent.secrets.map((s) => s.name)).toEqual(['ANTHROPIC_API_KEY']);
    const everything = JSON.stringify([
      agent,
      await listAgents(deps.db, admin.orgId, 'agents'),
      await showAgent(deps.db, admin.orgId, { project: 'agents', agent: 'CLAUDE' }),
      await listActivity(deps.db, { projectId: project.id }),
    ]);
    expect(everything).not.toContain('very-secret');
    const [stored] = await deps.db.select().from(secrets).where(eq(secrets.agentId, agent.id));
    expect(stored!.ciphertext).toMatch(/^v1:/);
    expect(stored!.ciphertext).not.toContain('very-secret');
    expect(await agentSecretEnv(deps, agent.id)).toEqual({ ANTHROPIC_API_KEY: 'sk-ant-very-secret' });

    const codex = await createAgent(deps, admin, { project: 'agents', name: 'codex', adapter: 'codex' });
    expect(codex).toMatchObject({
      command: 'codex',
      model: 'gpt-5.5',
      pricing: { input: 1.25, output: 10, cached: 0.125 },
    });
    await expectCode(
      createAgent(deps, admin, { project: 'agents', name: 'custom', adapter: 'custom' }),
      'BAD_REQUEST',
      /needs a command/,
    );
    await expectCode(createAgent(deps, admin, { project: 'agents', name: 'Claude', adapter: 'gemini' }), 'CONFLICT');
    await expectCode(
      createAgent(deps, admin, { project: 'agents', name: 'x', adapter: 'gemini', env: { OPENASE_TOKEN: 'x' } }),
      'VALIDATION_FAILED',
    );
    await expectCode(
      createAgent(deps, admin, { project: 'agents', name: 'bad name', adapter: 'gemini' }),
      'VALIDATION_FAILED',
    );
    await expectCode(
      createAgent(deps, { ...admin, role: 'member' }, { project: 'agents', name: 'y', adapter: 'gemini' }),
      'FORBIDDEN',
    );
  });

  it('updates fields and secrets, records activity without values, and deletes', async () => {
    const { deps, admin } = get();
    const project = await createProject(deps, admin, { name: 'Upd' });
    await createAgent(deps, admin, { project: 'upd', name: 'g', adapter: 'gemini', secrets: { A: 'one', B: 'two' } });
    const updated = await updateAgent(deps, admin, {
      project: 'upd',
      agent: 'g',
      model: 'gemini-2.5-flash',
      setSecrets: { A: 'three' },
      unsetSecrets: ['B'],
      maxParallelRuns: 2,
      args: ['--sandbox'],
    });
    expect(updated).toMatchObject({
      model: 'gemini-2.5-flash',
      pricing: { input: 0.3, output: 2.5 },
      maxParallelRuns: 2,
      args: ['--sandbox'],
    });
    expect(updated.secrets.map((s) => s.name)).toEqual(['A']);
    expect(await agentSecretEnv(deps, updated.id)).toEqual({ A: 'three' });
    const custom = await updateAgent(deps, admin, {
      project: 'upd',
      agent: 'g',
      adapter: 'custom',
      command: '/opt/bin/my-agent',
      pricing: { input: 1, output: 2, cached: 0 },
    });
    expect(custom).toMatchObject({
      adapter: 'custom',
      command: '/opt/bin/my-agent',
      pricing: { input: 1, output: 2, cached: 0 },
    });
    const log = await listActivity(deps.db, { projectId: project.id });
    expect(log.filter((a) => a.entityType === 'agent').map((a) => a.action)).toEqual([
      'agent.created',
      'agent.updated',
      'agent.updated',
    ]);
    expect(JSON.stringify(log)).not.toMatch(/"one"|"two"|"three"/);
    expect(await deleteAgent(deps, admin, { project: 'upd', agent: 'g' })).toEqual({ deleted: 'g' });
    await expectCode(showAgent(deps.db, admin.orgId, { project: 'upd', agent: 'g' }), 'NOT_FOUND');
  });
});
