/**
 * Tickets become working code, end to end with real processes: the control plane (`openase
 * serve` from the bundle) with its `local` machine (a real daemon over stdio), real git with a
 * local bare repository as the remote, real hooks, and the scriptable stand-in agent through the
 * `custom` adapter, which calls the platform with its own `openase` wrapper.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '@openase/test-kit/fleet-harness';
import { postgresUrl } from '@openase/test-kit/databases';
import { standInAgent, useLocalFleet, WORKSPACE_CLI as wrapper } from './local-fleet.js';
import type { TestRemote } from '@openase/test-kit/git-remote';

/** A repository whose `npm test` passes once `login.js` exports `ok: true`. */
const REPO_WITH_TESTS = {
  'README.md': '# app\n',
  'package.json': JSON.stringify({ name: 'app', private: true, scripts: { test: 'node check.js' } }, null, 2),
  'check.js':
    "const fs = require('fs');\nif (!fs.existsSync('login.js')) { console.error('FAIL: login.js is missing'); process.exit(1); }\nconst m = require('./login.js');\nif (m.ok !== true) { console.error('FAIL check.js: expected login.ok to be true, got ' + m.ok); process.exit(1); }\nconsole.log('1 test passed');\n",
};

for (const kind of ['pglite', 'postgres'] as const) {
  describe.skipIf(kind === 'postgres' && !postgresUrl)(`tickets to code, end to end [${kind}]`, () => {
    const fleet = useLocalFleet({ name: 'cp-e2e', postgres: kind === 'postgres' });
    let n = 0;

    /**
     * A project with one repository and a `custom` agent following `script` (or running `command`),
     * plus the given template's workflows.
     */
    async function project(
      script: object,
      template: 'full-stack' | 'hybrid-relay',
      opts: { command?: string; remote?: TestRemote } = {},
    ) {
      const slug = `e2e${++n}`;
      const remote = opts.remote ?? fleet.remote(REPO_WITH_TESTS);
      await fleet.cp.api.projects.create.mutate({ name: slug, ticketPrefix: `E${n}${kind === 'pglite' ? 'L' : 'P'}` });
      await fleet.cp.api.repositories.add.mutate({
        project: slug,
        name: 'app',
        url: remote.url,
        defaultBranch: 'main',
      });
      await fleet.cp.api.agents.create.mutate({
        project: slug,
        name: 'stand-in',
        ...(opts.command ? { adapter: 'custom', command: opts.command } : standInAgent(script)),
      });
      await fleet.cp.api.workflows.create.mutate({ project: slug, template, agent: 'stand-in' });
      return { slug, remote };
    }
    const status = async (ticket: string) => (await fleet.cp.api.tickets.show.query({ ticket })).status.name;
    const detail = (ticket: string) => fleet.cp.api.tickets.show.query({ ticket });

    it('full-stack: a ticket moved to Todo is worked, committed, pushed and moved to In Review by its agent; Done removes the worktree', async () => {
      const { slug, remote } = await project(
        {
          sessionId: 'stand-in-session',
          turns: [
            {
              steps: [
                { write: { path: 'login.js', content: 'module.exports = { ok: true };\n' } },
                { run: `${wrapper} comment "implemented the login"` },
                { run: `${wrapper} move "In Review"` },
                { usage: { input: 1200, output: 300, cached: 0 } },
                { event: { type: 'cost', usd: 0.05, source: 'cli' } },
                { text: 'done' },
              ],
            },
          ],
        },
        'full-stack',
      );
      const t = await fleet.cp.api.tickets.create.mutate({
        project: slug,
        title: `Add login "now" $(touch /tmp/pwned) ../../x`,
      });
      await fleet.cp.api.tickets.move.mutate({ ticket: t.identifier, status: 'Todo' });
      await waitFor(
        () => `${t.identifier} In Review\n${fleet.cp.proc.output.slice(-3000)}`,
        async () => (await status(t.identifier)) === 'In Review',
      );

      const shown = await detail(t.identifier);
      const branch = `openase/${t.identifier}-add-login-now-touch-tmp-pwned-x`;
      expect(remote.files(branch)).toContain('login.js');
      expect(remote.log(branch)[0]).toMatch(new RegExp(`^${t.identifier}: `));
      expect(fs.existsSync('/tmp/pwned')).toBe(false);
      expect(shown.comments.map((c) => c.body)).toContain('implemented the login');
      await waitFor('the run to succeed', async () => (await detail(t.identifier)).runs[0]?.state === 'succeeded');
      const done = await detail(t.identifier);
      expect(done).toMatchObject({ costUsd: 0.05, inputTokens: 1200, outputTokens: 300 });
      const run = await fleet.cp.api.runs.show.query({ run: done.runs[0]!.id });
      expect(run).toMatchObject({ kind: 'agent', machineName: 'local', sessionId: 'stand-in-session', costUsd: 0.05 });
      const events = await fleet.cp.api.runs.events.query({ run: run.id, limit: 1000 });
      const types = new Set(events.map((e) => e.event.type));
      for (const type of ['session.started', 'message', 'file.change', 'command', 'usage', 'cost', 'hook', 'workspace'])
        expect(types, type).toContain(type);
      expect(done.activity.map((a) => a.summary).join('\n')).toMatch(/the checks before finishing passed/);

      // Done: the machine removes the ticket's workspace.
      await fleet.cp.api.tickets.move.mutate({ ticket: t.identifier, status: 'Done' });
      await waitFor(
        'the workspace removal',
        async () => (await fleet.cp.api.runs.show.query({ run: run.id })).workspaceRemovedAt !== null,
      );
    });

    it('a failing before_finish gate keeps the ticket in progress, feeds the failure to the next turn, and lets the fix through', async () => {
      const { slug, remote } = await project(
        {
          turns: [
            {
              steps: [
                { write: { path: 'login.js', content: 'module.exports = { ok: false };\n' } },
                { run: `${wrapper} move "In Review"` },
                { text: 'I think it is done' },
              ],
            },
            {
              steps: [
                { write: { path: 'login.js', content: 'module.exports = { ok: true };\n' } },
                { run: `${wrapper} move "In Review"` },
                { text: 'fixed' },
              ],
            },
          ],
        },
        'full-stack',
      );
      const t = await fleet.cp.api.tickets.create.mutate({ project: slug, title: 'Fix login', status: 'Todo' });
      await waitFor(
        () => `${t.identifier} In Review\n${fleet.cp.proc.output.slice(-3000)}`,
        async () => (await status(t.identifier)) === 'In Review',
      );
      const shown = await detail(t.identifier);
      expect(shown.activity.map((a) => a.summary).join('\n')).toMatch(
        /stays in Todo: the checks before finishing failed \(FAIL check\.js: expected login\.ok to be true, got false\)/,
      );
      const events = await fleet.cp.api.runs.events.query({ run: shown.runs[0]!.id, limit: 1000 });
      const secondTurnInput = events
        .filter((e) => e.event.type === 'message' && e.event.role === 'user')
        .map((e) => (e.event as { text: string }).text)[1];
      expect(secondTurnInput).toMatch(/FAIL check\.js: expected login\.ok to be true, got false/);
      expect(remote.show(`openase/${t.identifier}-fix-login`, 'login.js')).toBe('module.exports = { ok: true };\n');
    });

    it('a custom agent that is a shell script is dispatched and takes its ticket to In Review; a missing one fails with "command not found", shown by ticket why', async () => {
      const dir = tempDir('bot');
      const bot = path.join(dir, 'bot.sh');
      fs.writeFileSync(
        bot,
        [
          '#!/bin/sh',
          'cat > /dev/null',
          "echo 'module.exports = { ok: true };' > login.js",
          `${wrapper} move "In Review" >&2`,
          'echo \'{"type":"message","role":"assistant","text":"done"}\'',
        ].join('\n'),
        { mode: 0o755 },
      );
      const { slug } = await project({}, 'full-stack', { command: bot });
      const t = await fleet.cp.api.tickets.create.mutate({ project: slug, title: 'Bot login', status: 'Todo' });
      await waitFor(
        () => `${t.identifier} In Review\n${fleet.cp.proc.output.slice(-3000)}`,
        async () => (await status(t.identifier)) === 'In Review',
      );

      const missing = path.join(dir, 'missing.sh');
      const other = await project({}, 'full-stack', { command: missing });
      const m = await fleet.cp.api.tickets.create.mutate({ project: other.slug, title: 'Never runs', status: 'Todo' });
      await waitFor('the run to fail', async () => (await detail(m.identifier)).runs[0]?.state === 'failed');
      const run = await fleet.cp.api.runs.show.query({ run: (await detail(m.identifier)).runs[0]!.id });
      expect(run.stateReason).toBe(`local: command not found: ${missing}`);
      await waitFor('ticket why to name the missing command', async () =>
        (await fleet.cp.api.tickets.why.query({ ticket: m.identifier })).summary.includes('not found on local'),
      );
      expect((await fleet.cp.api.tickets.why.query({ ticket: m.identifier })).summary).toContain(
        `no connected machine has the command ${missing} (not found on local)`,
      );
    });

    it('an agent that never touches its ticket is stopped after 3 turns with "no progress", and the ticket is parked', async () => {
      const { slug } = await project({ steps: [{ text: 'thinking about it' }] }, 'full-stack');
      const t = await fleet.cp.api.tickets.create.mutate({ project: slug, title: 'Idle', status: 'Todo' });
      await waitFor(
        () => `${t.identifier} parked\n${fleet.cp.proc.output.slice(-3000)}`,
        async () => (await detail(t.identifier)).parkedReason !== null,
      );
      const shown = await detail(t.identifier);
      expect(shown.runs).toHaveLength(1);
      expect(shown.runs[0]).toMatchObject({
        state: 'failed',
        stateReason: expect.stringMatching(/^no progress: 3 turns/),
      });
      expect(shown.parkedReason).toMatch(/^its agent made no progress: 3 turns in a row/);
    });

    it('full-stack on a repository without a test runner: the before_finish check passes with a warning', async () => {
      const remote = fleet.remote({ 'README.md': '# notes\n' });
      const { slug } = await project(
        {
          steps: [
            { write: { path: 'notes.md', content: 'done\n' } },
            { run: `${wrapper} move "In Review"` },
            { text: 'done' },
          ],
        },
        'full-stack',
        { remote },
      );
      const t = await fleet.cp.api.tickets.create.mutate({ project: slug, title: 'Notes', status: 'Todo' });
      await waitFor(
        () => `${t.identifier} In Review\n${fleet.cp.proc.output.slice(-3000)}`,
        async () => (await status(t.identifier)) === 'In Review',
      );
      const run = (await detail(t.identifier)).runs[0]!;
      const events = await fleet.cp.api.runs.events.query({ run: run.id, limit: 1000 });
      const gate = events.find(
        (e) => e.event.type === 'hook' && e.event.hook === 'before_finish' && e.event.status === 'passed',
      );
      expect(gate && 'output' in gate.event ? gate.event.output : '').toMatch(/warning: no test runner found/);
    });

    it('hybrid relay: Design → Backend → Frontend → Testing → In Review, each stage on the commits of the one before', async () => {
      // One script for every stage: it finds its stage by the files earlier stages committed.
      const stage = [
        'set -e',
        `if [ ! -f docs/design.md ]; then mkdir -p docs; echo design > docs/design.md; ${wrapper} move Backend`,
        `elif [ ! -f backend.js ]; then cat docs/design.md > /dev/null; echo "module.exports = { ok: true };" > login.js; echo backend > backend.js; ${wrapper} move Frontend`,
        `elif [ ! -f frontend.js ]; then test -f backend.js; echo frontend > frontend.js; ${wrapper} move Testing`,
        `else test -f frontend.js; ${wrapper} move "In Review"; fi`,
      ].join('\n');
      const { slug, remote } = await project({ steps: [{ run: stage }, { text: 'stage done' }] }, 'hybrid-relay');
      const t = await fleet.cp.api.tickets.create.mutate({ project: slug, title: 'Relay', status: 'Design' });
      await waitFor(
        () => `${t.identifier} In Review\n${fleet.cp.proc.output.slice(-3000)}`,
        async () => (await status(t.identifier)) === 'In Review',
      );
      const shown = await detail(t.identifier);
      expect(shown.runs.map((r) => r.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
      expect(remote.files(`openase/${t.identifier}-relay`)).toEqual(
        expect.arrayContaining(['docs/design.md', 'backend.js', 'frontend.js', 'login.js']),
      );
    });
  });
}
