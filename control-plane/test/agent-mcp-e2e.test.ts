/**
 * An agent's own MCP servers reach the CLI it runs, with real processes: `openase serve` with its `local`
 * daemon, a Claude Code agent whose command is a stand-in `claude` that keeps the MCP config it is given
 * (`--mcp-config FILE`) and stops. The agent's servers are merged with the workflow's `mcp_servers`, and a
 * `${NAME}` naming one of the agent's secrets arrives filled in.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  buildBundles,
  killLeftoverRuns,
  startControlPlane,
  tempDir,
  waitFor,
  type ControlPlane,
} from './fleet-harness.js';
import { createTestRemote, type TestRemote } from '../../agent-daemon/test-support/git-remote.js';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 180_000 });

describe("an agent's MCP servers, through a real daemon", () => {
  let cp: ControlPlane;
  let remote: TestRemote;
  const dir = tempDir('mcp-claude');
  const kept = path.join(dir, 'kept-mcp.json');
  const claude = path.join(dir, 'claude');

  beforeAll(async () => {
    buildBundles();
    fs.writeFileSync(
      claude,
      [
        '#!/bin/sh',
        'if [ "$1" = "--version" ]; then echo "2.1.197 (Claude Code)"; exit 0; fi',
        'prev=""',
        'for a in "$@"; do',
        `  if [ "$prev" = "--mcp-config" ]; then cp "$a" ${JSON.stringify(kept)}; fi`,
        '  prev="$a"',
        'done',
        'exit 1',
      ].join('\n'),
      { mode: 0o755 },
    );
    remote = createTestRemote();
    cp = await startControlPlane(tempDir('cp-mcp'), {
      localMachine: true,
      env: { PATH: `${dir}${path.delimiter}${process.env.PATH}` },
    });
    await waitFor(
      () => `machine local online with claude\n${cp.proc.output}`,
      async () => {
        const m = await cp.api.machines.show.query({ name: 'local' });
        return m.status === 'online' && JSON.stringify(m.clis).includes('"claude"');
      },
    );
  });
  afterAll(async () => {
    killLeftoverRuns();
    await cp?.proc.kill();
    remote?.cleanup();
  });

  it("gives the spawned CLI the agent's and the workflow's MCP servers, the secret filled in", async () => {
    await cp.api.projects.create.mutate({ name: 'Mcp', slug: 'mcp', ticketPrefix: 'MCP' });
    await cp.api.repositories.add.mutate({ project: 'mcp', name: 'app', url: remote.url, defaultBranch: 'main' });
    await cp.api.agents.create.mutate({
      project: 'mcp',
      name: 'claude',
      adapter: 'claude-code',
      command: claude,
      secrets: { TRACKER_TOKEN: 'tok-secret-123' },
      mcpServers: {
        tracker: { command: 'tracker-mcp', args: ['--stdio'], env: { TOKEN: '${TRACKER_TOKEN}' } },
      },
    });
    await cp.api.workflows.import.mutate({
      project: 'mcp',
      source:
        '---\nname: dev\nagent: claude\npickup: [Todo]\nfinish: [In Review]\nmax_attempts: 1\nmcp_servers:\n' +
        '  docs:\n    url: https://mcp.example.test/sse\n---\nWork on {{ ticket.title }}.\n',
    });
    const t = await cp.api.tickets.create.mutate({ project: 'mcp', title: 'Use the tracker', status: 'Todo' });
    const config = await waitFor(
      () => `the CLI's MCP config for ${t.identifier}\n${cp.proc.output.slice(-3000)}`,
      () => (fs.existsSync(kept) ? (JSON.parse(fs.readFileSync(kept, 'utf8')) as { mcpServers: object }) : undefined),
    );
    expect(config.mcpServers).toMatchObject({
      tracker: { type: 'stdio', command: 'tracker-mcp', args: ['--stdio'], env: { TOKEN: 'tok-secret-123' } },
      docs: { type: 'http', url: 'https://mcp.example.test/sse' },
    });
    // The run as stored keeps the placeholder: the secret is only in what the machine was sent.
    const run = (await cp.api.tickets.show.query({ ticket: t.identifier })).runs[0]!;
    const shown = await cp.api.runs.show.query({ run: run.id });
    expect(JSON.stringify(shown)).not.toContain('tok-secret-123');
  });
});
