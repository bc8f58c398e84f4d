/**
 * An agent's own MCP servers reach the CLI it runs, with real processes: `openase serve` with its `local`
 * daemon, a Claude Code agent whose command is a stand-in `claude` that keeps the MCP config it is given
 * (`--mcp-config FILE`) and stops. The agent's servers are merged with the workflow's `mcp_servers`, and a
 * `${NAME}` naming one of the agent's secrets arrives filled in.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '@openase/test-kit/fleet-harness';
import { useLocalFleet } from './local-fleet.js';

describe("an agent's MCP servers, through a real daemon", () => {
  const dir = tempDir('mcp-claude');
  const kept = path.join(dir, 'kept-mcp.json');
  const claude = path.join(dir, 'claude');
  const fleet = useLocalFleet({
    name: 'cp-mcp',
    env: () => {
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
      return { PATH: `${dir}${path.delimiter}${process.env.PATH}` };
    },
    ready: (m) => m.status === 'online' && JSON.stringify(m.clis).includes('"claude"'),
  });

  it("gives the spawned CLI the agent's and the workflow's MCP servers, the secret filled in", async () => {
    await fleet.cp.api.projects.create.mutate({ name: 'Mcp', slug: 'mcp', ticketPrefix: 'MCP' });
    await fleet.cp.api.repositories.add.mutate({
      project: 'mcp',
      name: 'app',
      url: fleet.remote().url,
      defaultBranch: 'main',
    });
    await fleet.cp.api.agents.create.mutate({
      project: 'mcp',
      name: 'claude',
      adapter: 'claude-code',
      command: claude,
      secrets: { TRACKER_TOKEN: 'tok-secret-123' },
      mcpServers: {
        tracker: { command: 'tracker-mcp', args: ['--stdio'], env: { TOKEN: '${TRACKER_TOKEN}' } },
      },
    });
    await fleet.cp.api.workflows.import.mutate({
      project: 'mcp',
      source:
        '---\nname: dev\nagent: claude\npickup: [Todo]\nfinish: [In Review]\nmax_attempts: 1\nmcp_servers:\n' +
        '  docs:\n    url: https://mcp.example.test/sse\n---\nWork on {{ ticket.title }}.\n',
    });
    const t = await fleet.cp.api.tickets.create.mutate({ project: 'mcp', title: 'Use the tracker', status: 'Todo' });
    const config = await waitFor(
      () => `the CLI's MCP config for ${t.identifier}\n${fleet.cp.proc.output.slice(-3000)}`,
      () => (fs.existsSync(kept) ? (JSON.parse(fs.readFileSync(kept, 'utf8')) as { mcpServers: object }) : undefined),
    );
    expect(config.mcpServers).toMatchObject({
      tracker: { type: 'stdio', command: 'tracker-mcp', args: ['--stdio'], env: { TOKEN: 'tok-secret-123' } },
      docs: { type: 'http', url: 'https://mcp.example.test/sse' },
    });
    // The run as stored keeps the placeholder: the secret is only in what the machine was sent.
    const run = (await fleet.cp.api.tickets.show.query({ ticket: t.identifier })).runs[0]!;
    const shown = await fleet.cp.api.runs.show.query({ run: run.id });
    expect(JSON.stringify(shown)).not.toContain('tok-secret-123');
  });
});
