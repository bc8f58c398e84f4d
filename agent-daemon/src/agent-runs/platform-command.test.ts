/**
 * The agent's `openase` as the agent runs it: a real sh script exec'ing the daemon bundle
 * (`platform …`, the person's CLI bundled in), against a recording tRPC HTTP server.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDaemonBundle } from '@openase/test-kit/daemon-process';
import { startTrpcRecorder, type TrpcRecorder } from '../../test-support/trpc-recorder.js';
import { writePlatformWrapper } from './platform-wrapper.js';

let server: TrpcRecorder;
let wrapper: string;
let dir: string;
let bundleText: string;

beforeAll(async () => {
  const bundle = await buildDaemonBundle();
  // A folder name with a space and a quote: the wrapper quotes its paths.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "openase wrapper's-"));
  const copy = path.join(dir, 'openase-agent.cjs');
  fs.copyFileSync(bundle, copy);
  bundleText = fs.readFileSync(copy, 'latin1');
  wrapper = await writePlatformWrapper(path.join(dir, '.openase'), [process.execPath, copy]);
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

describe("the agent's openase: the person's CLI, as the run", async () => {
  it('is an executable sh script with absolute, quoted paths', async () => {
    expect(fs.statSync(wrapper).mode & 0o777).toBe(0o755);
    const text = fs.readFileSync(wrapper, 'utf8');
    expect(text.startsWith('#!/bin/sh\n')).toBe(true);
    expect(text).toContain(
      `exec '${process.execPath}' '${dir.replace(/'/g, `'\\''`)}/openase-agent.cjs' platform "$@"`,
    );
  });

  // What the idle daemon holds (agent-daemon/build-options.mjs): V8 keeps an ASCII script as one byte a
  // character, and the CLI is compressed text, compiled only when `platform` runs.
  it('the bundle is ASCII and carries the CLI as compressed text, not as code the daemon parses', () => {
    // eslint-disable-next-line no-control-regex
    expect(bundleText.match(/[^\x00-\x7f]/g) ?? []).toEqual([]);
    expect(bundleText).not.toContain('// control-plane/src/cli/');
    expect(bundleText).toMatch(/PACKED = "[A-Za-z0-9+/=]{10000,}";/);
  });

  it('ticket move "$OPENASE_TICKET" STATUS, the own-ticket form and the short form: one tickets.move as the run', async () => {
    server.answer('tickets.move', { data: { identifier: 'DEMO-7' } });
    for (const argv of [
      ['ticket', 'move', 'DEMO-7', 'In Review'],
      ['ticket', 'move', 'In Review'],
      ['move', 'In', 'Review'],
    ]) {
      expect(await openase(argv)).toEqual({ code: 0, stdout: 'moved DEMO-7 to In Review', stderr: '' });
      expect(lastCall()).toEqual({
        method: 'POST',
        procedure: 'tickets.move',
        input: { ticket: 'DEMO-7', status: 'In Review' },
        authorization: 'Bearer oar_tok',
      });
    }
    server.answer('tickets.move', { data: { identifier: 'DEMO-7', pendingStatus: 'Done' } });
    expect((await openase(['move', 'Done'])).stdout).toBe(
      'DEMO-7 will move to Done once the checks before finishing pass',
    );
  });

  it('ticket comment and the short form: comments.add with the text untouched', async () => {
    const text = 'Done: `$(rm -rf /)` "quoted"\nsecond line';
    server.answer('comments.add', { data: { id: '0123456789abcdef' } });
    for (const argv of [
      ['ticket', 'comment', 'DEMO-7', text],
      ['comment', text],
    ]) {
      expect(await openase(argv)).toEqual({ code: 0, stdout: 'added comment 0123456789abcdef on DEMO-7', stderr: '' });
      expect(lastCall()).toMatchObject({
        method: 'POST',
        procedure: 'comments.add',
        input: { ticket: 'DEMO-7', body: text },
      });
    }
  });

  it('progress: tickets.reportProgress with the text and an optional percent', async () => {
    server.answer('tickets.reportProgress', { data: { percent: 40 } });
    expect((await openase(['progress', 'tests written', '--percent', '40'])).stdout).toBe(
      'reported progress on DEMO-7 (40%)',
    );
    expect(lastCall()).toMatchObject({
      procedure: 'tickets.reportProgress',
      input: { ticket: 'DEMO-7', text: 'tests written', percent: 40 },
    });
    const bad = await openase(['ticket', 'progress', 'x', '--percent', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--percent must be a whole number');
  });

  it('create-child and ticket create --parent: tickets.create in the run’s project; --blocked-by links after', async () => {
    server.answer('tickets.create', { data: { identifier: 'DEMO-8', title: 'Split out the parser' } });
    server.answer('tickets.link', { data: { blocker: 'DEMO-10', blocked: 'DEMO-8' } });
    expect(
      (await openase(['create-child', '--title', 'Split out the parser', '--description', 'see DEMO-7'])).stdout,
    ).toBe('created DEMO-8: Split out the parser');
    expect(lastCall()).toMatchObject({
      procedure: 'tickets.create',
      input: { project: 'demo', title: 'Split out the parser', description: 'see DEMO-7', parent: 'DEMO-7' },
    });
    const before = server.calls.length;
    expect(
      await openase([
        'ticket',
        'create',
        '--title',
        'Split out the parser',
        '--parent',
        'DEMO-7',
        '--blocked-by',
        'DEMO-10, DEMO-11',
      ]),
    ).toEqual({ code: 0, stdout: 'created DEMO-8: Split out the parser (blocked by DEMO-10, DEMO-11)', stderr: '' });
    expect(server.calls.slice(before).map((c) => [c.procedure, c.input])).toEqual([
      ['tickets.create', { project: 'demo', title: 'Split out the parser', parent: 'DEMO-7' }],
      ['tickets.link', { blocker: 'DEMO-10', blocked: 'DEMO-8' }],
      ['tickets.link', { blocker: 'DEMO-11', blocked: 'DEMO-8' }],
    ]);
    expect(await openase(['ticket', 'create'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/a title is required/),
    });
  });

  it('show: tickets.show as a GET query of the own ticket', async () => {
    const ticket = { identifier: 'DEMO-7', title: 'Add a greeting' };
    server.answer('tickets.show', { data: ticket });
    expect(JSON.parse((await openase(['show', '--json'])).stdout)).toEqual(ticket);
    expect(lastCall()).toMatchObject({ method: 'GET', procedure: 'tickets.show', input: { ticket: 'DEMO-7' } });
    expect(JSON.parse((await openase(['ticket', 'show', '--json'])).stdout)).toEqual(ticket);
  });

  it('a refusal names the missing scope and exits 1; an unreachable platform too', async () => {
    server.answer('tickets.move', {
      error: `this run's workflow does not grant "tickets.move"; add it to the harness scopes if the agent should be able to do this`,
      status: 403,
      appCode: 'FORBIDDEN',
    });
    const refused = await openase(['ticket', 'move', 'DEMO-7', 'Done']);
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toMatch(/^openase ticket move: this run's workflow does not grant "tickets\.move"/);
    const down = await openase(['comment', 'hi'], { OPENASE_URL: 'http://127.0.0.1:1' });
    expect(down).toMatchObject({
      code: 1,
      stderr: 'openase comment: cannot reach the control plane at http://127.0.0.1:1',
    });
  });

  it('usage: --help everywhere, exit 2 on bad usage; without the run environment it never falls back to a credentials file', async () => {
    const help = await openase(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['ticket', 'workflow', 'move', 'comment', 'progress', 'create-child', 'show'])
      expect(help.stdout).toContain(c);
    for (const argv of [
      ['move', '--help'],
      ['ticket', 'move', '--help'],
      ['workflow', 'export', '--help'],
    ]) {
      const sub = await openase(argv);
      expect(sub.code).toBe(0);
      expect(sub.stdout).toContain('Usage: openase');
    }
    expect((await openase([])).code).toBe(2);
    expect((await openase(['ticket', 'comment'])).code).toBe(2);
    expect((await openase(['frobnicate'])).code).toBe(2);
    expect((await openase(['ticket', 'show', '--bogus'])).code).toBe(2);
    expect((await openase(['serve'])).code).toBe(2);
    // Words beyond what a command takes are refused, not dropped; the agent's short forms too.
    const extra = await openase(['ticket', 'show', 'DEMO-1', 'DEMO-2']);
    expect([extra.code, extra.stderr]).toEqual([
      2,
      'openase ticket show: takes TICKET; "DEMO-2" is extra (see `openase ticket show --help`)',
    ]);
    expect((await openase(['show', 'DEMO-2'])).stderr).toMatch(/^openase show: takes TICKET; "DEMO-2" is extra/);
    expect((await openase(['tiket', 'show'])).stderr).toMatch(/did you mean `openase ticket show`\?/);
    const calls = server.calls.length;
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-home-'));
    fs.writeFileSync(path.join(home, 'credentials.json'), JSON.stringify({ url: server.url, token: 'oat_person' }));
    const noEnv = await openase(['comment', 'hi'], { OPENASE_TOKEN: undefined, OPENASE_HOME: home });
    expect(noEnv).toMatchObject({
      code: 1,
      stderr: 'openase comment: OPENASE_TOKEN not set; the platform commands work inside an agent run',
    });
    expect(server.calls.length).toBe(calls);
  });

  it('ticket link BLOCKER BLOCKED; workflow import sends the file; a validation error keeps every problem', async () => {
    server.answer('tickets.link', { data: { blocker: 'DEMO-1', blocked: 'DEMO-2' } });
    expect(await openase(['ticket', 'link', 'DEMO-1', 'DEMO-2'])).toEqual({
      code: 0,
      stdout: 'DEMO-1 now blocks DEMO-2',
      stderr: '',
    });
    expect(lastCall()).toMatchObject({ procedure: 'tickets.link', input: { blocker: 'DEMO-1', blocked: 'DEMO-2' } });
    expect(await openase(['ticket', 'link', 'DEMO-1'])).toMatchObject({ code: 2 });
    const file = path.join(dir, 'harness.md');
    fs.writeFileSync(file, '---\nname: dev\n---\nbody\n');
    server.answer('workflows.import', { data: { name: 'dev', version: 3, changed: true, created: false } });
    expect(await openase(['workflow', 'import', file])).toEqual({ code: 0, stdout: 'saved dev version 3', stderr: '' });
    // (The CLI then lists the workflows to note a pickup status shared with another: a read after the import.)
    expect(server.calls.filter((c) => c.procedure === 'workflows.import').at(-1)).toMatchObject({
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
    expect(refused.stderr).toContain('unknown key');
    expect(refused.stderr).toContain('agent: nope');
  });

  it("openase-agent's own commands: extra arguments refused, a mistyped command answered with the nearest", () => {
    const daemon = (args: string[]) =>
      spawnSync(process.execPath, [path.join(dir, 'openase-agent.cjs'), ...args], { encoding: 'utf8' });
    const join = daemon(['join', 'http://127.0.0.1:9', 'oaj_x', 'extra', '--home', dir]);
    expect([join.status, join.stderr.trim()]).toEqual([
      2,
      '[openase-agent] join: takes URL TOKEN; "extra" is extra (see `openase-agent join --help`)',
    ]);
    expect(daemon(['join', '--help']).stdout).toContain('Usage: openase-agent join URL TOKEN [--name N]');
    const typo = daemon(['joni']);
    expect([typo.status, typo.stderr.trim()]).toEqual([
      2,
      '[openase-agent] unknown command "joni"; did you mean `openase-agent join`? (`openase-agent --help` lists the commands)',
    ]);
  });
});
