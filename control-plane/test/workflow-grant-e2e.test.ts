/**
 * Workflow edits are an admin's action; an agent's only by grant (docs/security.md, "Who may change
 * workflows"). Through real processes: a joined daemon runs, for two projects, an agent that
 * exports its workflow with the workspace's `openase` wrapper, edits it and imports it back. The
 * project whose workflow grants `workflows.update` gets the new version; the other's agent is
 * refused with the missing scope named, and its workflow stays at version 1.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  buildBundles,
  endedAgentRun,
  killLeftoverRuns,
  startControlPlane,
  startJoinedAgent,
  tempDir,
  type ControlPlane,
  type Proc,
} from '@openase/test-kit/fleet-harness';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

/** Exports workflow argv[1], edits its body, imports it; says what the wrapper answered. */
const EDITOR = `const fs = require('fs');
const { execFileSync } = require('child_process');
const ws = process.env.OPENASE_WORKSPACE;
const openase = ws + '/.openase/bin/openase';
const run = (args) => {
  try {
    return 'ok: ' + execFileSync(openase, args, { cwd: ws, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (e) {
    return 'refused: ' + String(e.stderr).trim();
  }
};
process.stdin.resume();
process.stdin.on('end', () => {
  const exported = run(['workflow', 'export', process.argv[1], '--output', ws + '/harness.md']);
  const file = ws + '/harness.md';
  if (fs.existsSync(file)) fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('Edit me.', 'Edited by its agent.'));
  const imported = run(['workflow', 'import', file]);
  console.log(JSON.stringify({ type: 'message', role: 'assistant', text: exported + ' | ' + imported }));
});`;

describe('an agent editing its workflow from the workspace', () => {
  const home = tempDir('workflow-grant');
  let cp: ControlPlane;
  let daemon: Proc | null = null;

  beforeAll(async () => {
    buildBundles();
    cp = await startControlPlane(home);
    daemon = await startJoinedAgent(cp, 'editor-box', { slots: 2 });
  });
  afterAll(async () => {
    await daemon?.kill();
    killLeftoverRuns();
    await cp?.proc.kill();
    fs.rmSync(home, { recursive: true, force: true });
  });

  /** A project whose workflow `edit` (with these scopes) is run by the editing agent; returns what it said. */
  async function agentEdits(name: string, prefix: string, scopes: string[]): Promise<string> {
    const api = cp.api;
    const project = await api.projects.create.mutate({ name, ticketPrefix: prefix });
    await api.agents.create.mutate({
      project: project.slug,
      name: 'editor',
      adapter: 'custom',
      command: process.execPath,
      args: ['-e', EDITOR, 'edit'],
    });
    await api.workflows.import.mutate({
      project: project.slug,
      source: `---\nname: edit\nagent: editor\npickup: [Todo]\nfinish: [Done]\nmax_turns: 1\nmax_attempts: 1\nscopes: [${scopes.join(', ')}]\n---\nEdit me.\n`,
    });
    const ticket = await api.tickets.create.mutate({ project: project.slug, title: 'edit your workflow' });
    await api.tickets.move.mutate({ ticket: ticket.identifier, status: 'Todo' });
    const { run, said } = await endedAgentRun(api, project.id, ticket.id);
    return said.join('\n') || `nothing said: ${JSON.stringify(run)}`;
  }

  it('saves a new version when the workflow grants workflows.update, and is refused naming it when not', async () => {
    const granted = await agentEdits('Granted', 'GRA', ['tickets.read', 'workflows.read', 'workflows.update']);
    expect(granted).toMatch(/^ok: .*\| ok: saved edit version 2$/);
    const v2 = await cp.api.workflows.export.query({ project: 'granted', workflow: 'edit' });
    expect(v2).toMatchObject({ version: 2, source: expect.stringContaining('Edited by its agent.') });

    const refused = await agentEdits('Refused', 'REF', ['tickets.read', 'workflows.read']);
    expect(refused).toMatch(/^ok: .*\| refused: .*"workflows\.update"/);
    const v1 = await cp.api.workflows.export.query({ project: 'refused', workflow: 'edit' });
    expect(v1).toMatchObject({ version: 1, source: expect.stringContaining('Edit me.') });
  });
});
