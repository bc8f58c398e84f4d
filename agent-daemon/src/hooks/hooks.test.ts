import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeGateFailure, runHook, runHooks } from './hooks.js';
import { processAlive } from '../../test-support/processes.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-hooks-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const ctx = (env: Record<string, string> = {}) => ({
  hook: 'before_finish',
  cwd: dir,
  env: { OPENASE_TICKET: 'DEMO-1', ...env },
});

describe('workflow hooks', () => {
  it('passes on exit 0 and reports start and result as events', async () => {
    const events: string[] = [];
    const outcome = await runHook(
      { run: 'echo "ticket $OPENASE_TICKET in $OPENASE_HOOK"; pwd', timeout: 10, policy: 'block' },
      ctx(),
      (e) => events.push(e.status),
    );
    expect(outcome).toMatchObject({ status: 'passed', exitCode: 0, blocks: false });
    expect(outcome.output).toContain('ticket DEMO-1 in before_finish');
    expect(outcome.output).toContain(fs.realpathSync(dir));
    expect(events).toEqual(['started', 'passed']);
  });

  it('blocks on failure with policy block, not with warn or ignore', async () => {
    const failing = { run: 'echo "1 test failed" >&2; exit 3', timeout: 10 };
    expect(await runHook({ ...failing, policy: 'block' }, ctx())).toMatchObject({
      status: 'failed',
      exitCode: 3,
      blocks: true,
    });
    expect(await runHook({ ...failing, policy: 'warn' }, ctx())).toMatchObject({ status: 'failed', blocks: false });
    expect(await runHook({ ...failing, policy: 'ignore' }, ctx())).toMatchObject({ status: 'failed', blocks: false });
  });

  it('kills the whole process group on timeout', async () => {
    const pidFile = path.join(dir, 'child.pid');
    const outcome = await runHook({ run: `sleep 30 & echo $! > ${pidFile}; wait`, timeout: 1, policy: 'block' }, ctx());
    expect(outcome).toMatchObject({ status: 'timed_out', blocks: true });
    expect(outcome.output).toMatch(/timed out after 1 s/);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    const alive = () => processAlive(pid);
    for (let i = 0; i < 200 && alive(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(alive()).toBe(false);
  });

  it('never interprets ticket text: it only arrives as an environment variable', async () => {
    const hostile = '$(touch pwned) `touch pwned2`; rm -rf / "\'';
    const outcome = await runHook(
      { run: 'printf "%s" "$OPENASE_TICKET_TITLE"', timeout: 10, policy: 'block' },
      ctx({ OPENASE_TICKET_TITLE: hostile }),
    );
    expect(outcome.output).toBe(hostile);
    expect(fs.existsSync(path.join(dir, 'pwned'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'pwned2'))).toBe(false);
  });

  it('runs hooks in order and stops at the first blocking failure, describing it for the agent', async () => {
    const result = await runHooks(
      [
        { run: 'echo install', timeout: 10, policy: 'block' },
        { run: 'echo "FAIL src/app.test.ts: expected 2, got 3"; exit 1', timeout: 10, policy: 'block' },
        { run: 'touch never-ran', timeout: 10, policy: 'block' },
      ],
      ctx(),
    );
    expect(result.passed).toBe(false);
    expect(result.outcomes.map((o) => o.status)).toEqual(['passed', 'failed']);
    expect(fs.existsSync(path.join(dir, 'never-ran'))).toBe(false);
    expect(describeGateFailure(result.outcomes)).toMatch(
      /The before_finish check `echo .*` failed with exit code 1\. Its output:\n\nFAIL src\/app\.test\.ts: expected 2, got 3/,
    );
    expect((await runHooks(undefined, ctx())).passed).toBe(true);
  });

  it('keeps the tail of long output and refuses a workdir outside the workspace', async () => {
    const outcome = await runHook({ run: 'seq 1 20000', timeout: 10, policy: 'warn' }, ctx());
    expect(outcome.output.trim().endsWith('20000')).toBe(true);
    expect(outcome.output.length).toBeLessThanOrEqual(16 * 1024);
    expect(() => runHook({ run: 'true', timeout: 1, policy: 'block', workdir: '../..' }, ctx())).toThrow(
      /outside the workspace root/,
    );
  });
});
