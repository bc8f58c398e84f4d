/**
 * The agent's `openase` wrapper as the agent runs it: a real sh script exec'ing the daemon bundle
 * (`platform …`), against a recording tRPC HTTP server.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDaemonBundle } from '../../test-support/daemon-process.js';
import { startTrpcRecorder, type TrpcRecorder } from '../../test-support/trpc-recorder.js';
import { writePlatformWrapper } from './platform-wrapper.js';

let server: TrpcRecorder;
let wrapper: string;
let dir: string;

beforeAll(async () => {
  const bundle = await buildDaemonBundle();
  // A folder name with a space and a quote: the wrapper quotes its paths.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "openase wrapper's-"));
  const copy = path.join(dir, 'openase-agent.cjs');
  fs.copyFileSync(bundle, copy);
  wrapper = writePlatformWrapper(path.join(dir, '.openase'), [process.execPath, copy]);
  server = await startTrpcRecorder();
}, 120_000);
afterAll(async () => {
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function openase(args: string[], env: Record<string, string | undefined> = {}) {
  const base = {
    PATH: '/usr/bin:/bin',
    OPENASE_URL: server.url,
    OPENASE_TOKEN: 'oar_tok',
    OPENASE_TICKET: 'DEMO-7',
    OPENASE_PROJECT: 'demo',
  };
  const merged = Object.fromEntries(Object.entries({ ...base, ...env }).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  >;
  // Asynchronous: the recording server lives in this process and must keep answering.
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(wrapper, args, { env: merged });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.on('close', (code) => resolve({ code, stdout: stdout.trim(), stderr: stderr.trim() }));
  });
}

const lastCall = () => server.calls.at(-1)!;

describe('the openase platform wrapper', async () => {
  it('is an executable sh script with absolute, quoted paths', async () => {
    expect(fs.statSync(wrapper).mode & 0o777).toBe(0o755);
    const text = fs.readFileSync(wrapper, 'utf8');
    expect(text.startsWith('#!/bin/sh\n')).toBe(true);
    expect(text).toContain(
      `exec '${process.execPath}' '${dir.replace(/'/g, `'\\''`)}/openase-agent.cjs' platform "$@"`,
    );
  });

  it('comment: comments.add as a POST with the bearer token', async () => {
    const text = 'Done: `$(rm -rf /)` "quoted"\nsecond line';
    expect(await openase(['comment', text])).toEqual({ code: 0, stdout: 'comment added to DEMO-7', stderr: '' });
    expect(lastCall()).toEqual({
      method: 'POST',
      procedure: 'comments.add',
      input: { ticket: 'DEMO-7', body: text },
      authorization: 'Bearer oar_tok',
    });
  });

  it('move: tickets.move, and says when the move waits for the before_finish checks', async () => {
    server.answer('tickets.move', { data: { identifier: 'DEMO-7' } });
    expect((await openase(['move', 'In Review'])).stdout).toBe('DEMO-7 moved to In Review');
    expect(lastCall()).toMatchObject({
      method: 'POST',
      procedure: 'tickets.move',
      input: { ticket: 'DEMO-7', status: 'In Review' },
    });
    server.answer('tickets.move', { data: { identifier: 'DEMO-7', pendingStatus: 'Done' } });
    expect((await openase(['move', 'Done'])).stdout).toBe(
      'DEMO-7 will move to Done once the before_finish checks pass',
    );
  });

  it('progress: tickets.reportProgress with an optional percent', async () => {
    expect((await openase(['progress', 'tests written', '--percent', '40'])).stdout).toBe(
      'progress reported on DEMO-7 (40%)',
    );
    expect(lastCall()).toMatchObject({
      procedure: 'tickets.reportProgress',
      input: { ticket: 'DEMO-7', message: 'tests written', percent: 40 },
    });
    expect((await openase(['progress', 'halfway'])).code).toBe(0);
    expect(lastCall().input).toEqual({ ticket: 'DEMO-7', message: 'halfway' });
    const bad = await openase(['progress', 'x', '--percent', '140']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--percent must be a whole number from 0 to 100');
  });

  it('create-child: tickets.create under this ticket in its project', async () => {
    server.answer('tickets.create', { data: { identifier: 'DEMO-8' } });
    expect(
      (await openase(['create-child', '--title', 'Split out the parser', '--description', 'see DEMO-7'])).stdout,
    ).toBe('created DEMO-8 under DEMO-7');
    expect(lastCall()).toMatchObject({
      method: 'POST',
      procedure: 'tickets.create',
      input: { project: 'demo', title: 'Split out the parser', description: 'see DEMO-7', parent: 'DEMO-7' },
    });
    expect((await openase(['create-child'])).code).toBe(2);
  });

  it('show: tickets.show as a GET query, human or --json', async () => {
    const ticket = {
      identifier: 'DEMO-7',
      title: 'Add a greeting',
      description: 'Say hi.',
      status: { name: 'Todo', stage: 'unstarted' },
      parent: null,
      children: [{ identifier: 'DEMO-8', title: 'Split', status: 'Backlog' }],
      comments: [],
    };
    server.answer('tickets.show', { data: ticket });
    const human = await openase(['show']);
    expect(human.code).toBe(0);
    expect(human.stdout.split('\n')).toEqual([
      'DEMO-7: Add a greeting',
      'status: Todo (unstarted)',
      'children:',
      '  DEMO-8 [Backlog] Split',
      '',
      'Say hi.',
    ]);
    expect(lastCall()).toMatchObject({ method: 'GET', procedure: 'tickets.show', input: { ticket: 'DEMO-7' } });
    expect(JSON.parse((await openase(['show', '--json'])).stdout)).toEqual(ticket);
  });

  it('server errors are one line and exit 1; an unreachable platform too', async () => {
    server.answer('comments.add', { error: 'this run token may not comment on DEMO-9\nstack…', status: 403 });
    expect(await openase(['comment', 'hi'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'openase comment: comments.add: this run token may not comment on DEMO-9',
    });
    const down = await openase(['comment', 'hi'], { OPENASE_URL: 'http://127.0.0.1:1' });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^openase comment: cannot reach the platform at http:\/\/127\.0\.0\.1:1: .+$/);
  });

  it('usage: --help everywhere, exit 2 on bad usage, a clear error without the run environment', async () => {
    const help = await openase(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['comment', 'move', 'progress', 'create-child', 'show']) {
      expect(help.stdout).toContain(c);
      const sub = await openase([c, '--help']);
      expect(sub.code).toBe(0);
      expect(sub.stdout).toContain('Usage: openase');
    }
    expect((await openase([])).code).toBe(2);
    expect((await openase(['comment'])).code).toBe(2);
    expect((await openase(['frobnicate'])).code).toBe(2);
    expect((await openase(['show', '--bogus'])).code).toBe(2);
    const calls = server.calls.length;
    const noEnv = await openase(['comment', 'hi'], { OPENASE_TOKEN: undefined });
    expect(noEnv).toMatchObject({
      code: 1,
      stderr: 'openase comment: OPENASE_TOKEN not set; the platform commands work inside an agent run',
    });
    expect(server.calls.length).toBe(calls);
  });

  it('ticket create --blocked-by: tickets.create in the project, then one tickets.link per blocker', async () => {
    server.answer('tickets.create', { data: { identifier: 'DEMO-12', title: 'Login page' } });
    server.answer('tickets.link', { data: { blocker: 'DEMO-10', blocked: 'DEMO-12' } });
    const before = server.calls.length;
    expect(
      await openase([
        'ticket',
        'create',
        '--title',
        'Login page',
        '--priority',
        'high',
        '--blocked-by',
        'DEMO-10, DEMO-11',
      ]),
    ).toEqual({ code: 0, stdout: 'created DEMO-12 (blocked by DEMO-10, DEMO-11)', stderr: '' });
    expect(server.calls.slice(before).map((c) => [c.procedure, c.input])).toEqual([
      ['tickets.create', { project: 'demo', title: 'Login page', description: '', priority: 'high' }],
      ['tickets.link', { blocker: 'DEMO-10', blocked: 'DEMO-12' }],
      ['tickets.link', { blocker: 'DEMO-11', blocked: 'DEMO-12' }],
    ]);
    expect(await openase(['ticket', 'create'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/give the new ticket a title/),
    });
  });

  it('ticket link takes exactly two tickets; workflow import sends the file and reports the version; a validation error keeps every problem', async () => {
    server.answer('tickets.link', { data: {} });
    expect(await openase(['ticket', 'link', 'DEMO-1', 'DEMO-2'])).toEqual({
      code: 0,
      stdout: 'DEMO-2 is now blocked by DEMO-1',
      stderr: '',
    });
    expect(await openase(['ticket', 'link', 'DEMO-1'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/expected 2 argument\(s\), got 1/),
    });
    const file = path.join(dir, 'harness.md');
    fs.writeFileSync(file, '---\nname: dev\n---\nbody\n');
    server.answer('workflows.import', { data: { name: 'dev', version: 3, changed: true } });
    expect(await openase(['workflow', 'import', file])).toEqual({
      code: 0,
      stdout: 'imported dev as version 3',
      stderr: '',
    });
    expect(lastCall()).toMatchObject({
      method: 'POST',
      procedure: 'workflows.import',
      input: { project: 'demo', source: '---\nname: dev\n---\nbody\n' },
    });
    server.answer('workflows.import', {
      error: '2 problem(s) in the harness file:\n- line 2: unknown key\n- agent: nope',
      status: 400,
      appCode: 'VALIDATION_FAILED',
    });
    const refused = await openase(['workflow', 'import', file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.split('\n')).toEqual([
      'openase workflow import: workflows.import: 2 problem(s) in the harness file:',
      '- line 2: unknown key',
      '- agent: nope',
    ]);
    expect(await openase(['workflow', 'import', path.join(dir, 'missing.md')])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/cannot read .*missing\.md: ENOENT/),
    });
  });
});
