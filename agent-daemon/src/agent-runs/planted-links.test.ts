/**
 * An agent that plants symbolic links in its workspace's private area (`.openase/`) for the daemon to
 * follow on the ticket's next run: the daemon, unconfined, writes the wrapper, the CLI's spec and
 * system prompt (the ticket's text) there. It must replace the links, never write through them
 * (workspace/no-follow.ts). Real daemon process, sandboxed agent (setup in agent-run-fixtures.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanups, useAgentRunFixtures } from './agent-run-fixtures.js';

const { daemon, finished, job, next, remote, turnFrame } = useAgentRunFixtures();

describe('links planted in the workspace', () => {
  it("are replaced, not followed, when the daemon writes the ticket's next run there", async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-outside-'));
    cleanups.push(() => fs.rmSync(outside, { recursive: true, force: true }));
    fs.writeFileSync(path.join(outside, 'bashrc'), 'original\n');
    for (const dir of ['home', 'hooks']) fs.mkdirSync(path.join(outside, dir));
    const d = await daemon();
    const r = remote();
    const W = '"$OPENASE_WORKSPACE/.openase"';
    const plant = [
      // A file link (the system prompt is the ticket's text: lines a shell would run) and folder links.
      `ln -sfn ${outside}/bashrc ${W}/cli-custom/custom/system-prompt.md`,
      `rm -rf ${W}/bin && ln -s ${outside} ${W}/bin`,
      `rm -rf ${W}/hooks-home && ln -s ${outside}/hooks ${W}/hooks-home`,
      `rm -rf ${W}/cli-custom/home && ln -s ${outside}/home ${W}/cli-custom/home`,
    ].join(' && ');
    const withPrompt = (spec: ReturnType<typeof job>) => ({
      ...spec,
      agent: { ...spec.agent, systemPrompt: `# Ticket\ntouch ${outside}/pwned\n` },
    });
    const first = withPrompt(
      job(r, { identifier: 'LINK-1', turns: [{ steps: [{ run: plant }, { text: 'planted' }] }] }),
    );
    const again = withPrompt(job(r, { identifier: 'LINK-1', turns: [{ steps: [{ text: 'again' }] }] }));
    const offer = async (runId: string, spec = first) => {
      d.send({ type: 'run.offer', runId, leaseEpoch: 1, spec });
      await d.waitFrame('run.accept', (f) => f.runId === runId);
    };
    await offer('run-link-a');
    expect(await turnFrame(d, 'run-link-a', 1)).toMatchObject({ ok: true });
    next(d, 'run-link-a', 1, 'stop', { outcome: 'failed', reason: 'retry' });
    await finished(d, 'run-link-a');
    const privateDir = path.join(d.home, 'workspaces', 'tickets', 'LINK-1', '.openase');
    expect(fs.lstatSync(path.join(privateDir, 'bin')).isSymbolicLink()).toBe(true); // planted

    await offer('run-link-b', again);
    expect(await turnFrame(d, 'run-link-b', 1)).toMatchObject({ ok: true });
    next(d, 'run-link-b', 1, 'stop', { outcome: 'succeeded', reason: 'done' });
    await finished(d, 'run-link-b');
    // Nothing was written where the links pointed; the daemon's files are in real folders of the workspace.
    expect(fs.readdirSync(outside).sort()).toEqual(['bashrc', 'home', 'hooks']);
    for (const dir of ['home', 'hooks']) expect(fs.readdirSync(path.join(outside, dir)), dir).toEqual([]);
    expect(fs.readFileSync(path.join(outside, 'bashrc'), 'utf8')).toBe('original\n');
    for (const p of ['bin', 'hooks-home', 'cli-custom/home', 'cli-custom/custom/system-prompt.md'])
      expect(fs.lstatSync(path.join(privateDir, p)).isSymbolicLink(), p).toBe(false);
    expect(fs.statSync(path.join(privateDir, 'bin', 'openase')).mode & 0o777).toBe(0o755);
    expect(fs.readFileSync(path.join(privateDir, 'cli-custom/custom/system-prompt.md'), 'utf8')).toBe(
      again.agent.systemPrompt,
    );
  });
});
