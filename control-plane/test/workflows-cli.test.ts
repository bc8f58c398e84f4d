/**
 * Agents, workflows, skills and `ticket why` through the real CLI against a real server process,
 * as a user would drive them: create, export, edit in a "text editor", re-import, validate.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliServer } from './cli-server.js';

const instance = useCliServer('wf', 'Shop');
const cli = (args: string[], opts?: { input?: string }) => instance.server.cli(args, opts);

describe('openase agent/workflow/skill/why CLI against a running server', () => {
  it('generated the secret key file with mode 0600 in the data dir', () => {
    expect(fs.statSync(path.join(instance.server.home, 'secret.key')).mode & 0o777).toBe(0o600);
  });

  it('creates agents and never shows a secret value, only that it is set', () => {
    const created = cli([
      'agent',
      'create',
      'claude',
      '--project',
      'shop',
      '--adapter',
      'claude-code',
      '--model',
      'claude-sonnet-4-5',
      '--env',
      'LOG=debug',
      '--secret',
      'ANTHROPIC_API_KEY=sk-ant-TOPSECRET',
      '--label',
      'linux',
      '--json',
    ]);
    expect(created.code, created.err).toBe(0);
    expect(created.out).not.toContain('TOPSECRET');
    expect(JSON.parse(created.out)).toMatchObject({
      name: 'claude',
      command: 'claude',
      pricing: { input: 3, output: 15 },
      secrets: [{ name: 'ANTHROPIC_API_KEY', set: true }],
    });
    const fromStdin = cli(['agent', 'update', 'claude', '--project', 'shop', '--secret-stdin', 'OTHER_TOKEN'], {
      input: 'stdin-SECRET-value\n',
    });
    expect(fromStdin.code, fromStdin.err).toBe(0);
    for (const args of [
      ['agent', 'show', 'claude', '--project', 'shop'],
      ['agent', 'show', 'claude', '--project', 'shop', '--json'],
      ['agent', 'list', '--project', 'shop', '--json'],
      ['agent', 'list', '--project', 'shop'],
    ]) {
      const r = cli(args);
      expect(r.code, r.err).toBe(0);
      expect(r.out).not.toMatch(/TOPSECRET|stdin-SECRET/);
    }
    expect(cli(['agent', 'show', 'claude', '--project', 'shop']).out).toMatch(
      /secrets:\s+ANTHROPIC_API_KEY \(set\), OTHER_TOKEN \(set\)/,
    );
    const usage = cli(['agent', 'create', 'x', '--project', 'shop']);
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/--adapter is required/);
  });

  it('exports a workflow, re-imports an edited copy as version 2, and keeps version 1 unchanged', () => {
    const created = cli(['workflow', 'create', '--template', 'full-stack', '--project', 'shop']);
    expect(created.code, created.err).toBe(0);
    expect(created.out).toMatch(/full-stack-developer v1: Todo, In Progress → In Review; agent claude/);
    const file = path.join(instance.work, 'dev.md');
    expect(cli(['workflow', 'export', 'full-stack-developer', '--project', 'shop', '--output', file]).code).toBe(0);
    const original = fs.readFileSync(file, 'utf8');
    expect(cli(['workflow', 'export', 'full-stack-developer', '--project', 'shop']).out).toBe(original);
    const unchanged = cli(['workflow', 'import', file, '--project', 'shop']);
    expect(unchanged.out).toMatch(/unchanged \(version 1\)/);
    fs.writeFileSync(
      file,
      original
        .replace('max_turns: 20', 'max_turns: 25')
        .replace('senior full-stack engineer', 'careful full-stack engineer'),
    );
    const imported = cli(['workflow', 'import', file, '--project', 'shop']);
    expect(imported.code, imported.err).toBe(0);
    expect(imported.out).toMatch(/saved full-stack-developer version 2/);
    expect(cli(['workflow', 'export', 'full-stack-developer', '--project', 'shop', '--version', '1']).out).toBe(
      original,
    );
    const versions = JSON.parse(
      cli(['workflow', 'versions', 'full-stack-developer', '--project', 'shop', '--json']).out,
    );
    expect(versions.map((v: { version: number; current: boolean }) => [v.version, v.current])).toEqual([
      [1, false],
      [2, true],
    ]);
    const shown = cli(['workflow', 'show', 'full-stack-developer', '--project', 'shop']);
    expect(shown.out).toMatch(/max_turns 25/);
    expect(shown.out).toMatch(/openase-platform@1 \(auto\)/);
  });

  it('validates a file with three mistakes: every problem with its line, exit 1, and import refuses it', () => {
    const file = path.join(instance.work, 'bad.md');
    fs.writeFileSync(
      file,
      [
        '---',
        'name: full-stack-developer',
        'agent: claude',
        'pickup: [Todo, Triage]',
        'finish: [In Review]',
        'timeout_minutes: -5',
        '---',
        'Work on {{ ticket.identifier }} in {{ project.nmae }}.',
        '',
      ].join('\n'),
    );
    const offline = cli(['workflow', 'validate', file]);
    expect(offline.code).toBe(1);
    expect(offline.err.trim().split('\n')).toEqual([
      `${file}:6: timeout_minutes: must be a whole number ≥ 1`,
      expect.stringMatching(new RegExp(`^${file}:8: body: unknown variable "project.nmae"`)),
    ]);
    const checked = cli(['workflow', 'validate', file, '--project', 'shop']);
    expect(checked.code).toBe(1);
    const lines = checked.err.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`^${file}:4: pickup\\[1\\]: unknown status "Triage"`));
    expect(lines[1]).toMatch(new RegExp(`^${file}:6: timeout_minutes:`));
    expect(lines[2]).toMatch(new RegExp(`^${file}:8: body:`));
    const refused = cli(['workflow', 'import', file, '--project', 'shop']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/refused: 3 problem\(s\); nothing was changed/);
    expect(
      JSON.parse(cli(['workflow', 'versions', 'full-stack-developer', '--project', 'shop', '--json']).out),
    ).toHaveLength(2);
    const good = path.join(instance.work, 'good.md');
    fs.writeFileSync(good, '---\nname: x\npickup: [Todo]\nfinish: [Done]\n---\nhi\n');
    expect(cli(['workflow', 'validate', good])).toMatchObject({ code: 0, out: `${good}: ok\n` });
  });

  it('renders the prompt for a ticket and explains why it is not picked up', () => {
    expect(
      cli([
        'ticket',
        'create',
        '--project',
        'shop',
        '--title',
        'Add login',
        '--status',
        'Todo',
        '--description',
        'Email + password.',
      ]).code,
    ).toBe(0);
    const rendered = cli(['workflow', 'render', 'full-stack-developer', '--ticket', 'SHOP-1']);
    expect(rendered.code, rendered.err).toBe(0);
    expect(rendered.out).toMatch(
      /^# Role: full-stack developer\n\nYou are a careful full-stack engineer working on ticket \*\*SHOP-1: Add login\*\*/,
    );
    expect(rendered.out).toContain('Email + password.');
    const why = cli(['ticket', 'why', 'SHOP-1']);
    expect(why.code, why.err).toBe(0);
    expect(why.out).toMatch(
      /SHOP-1 is not picked up now \(workflow full-stack-developer\):\n {2}- no connected machine has the claude CLI and labels linux \[no_machine\]/,
    );
    expect(JSON.parse(cli(['ticket', 'why', 'SHOP-1', '--json']).out)).toMatchObject({
      dispatchable: false,
      reasons: [{ code: 'no_machine' }],
    });
    expect(cli(['workflow', 'deactivate', 'full-stack-developer', '--project', 'shop']).out).toMatch(
      /inactive \(version 3\)/,
    );
    expect(cli(['ticket', 'why', 'SHOP-1']).out).toMatch(/inactive \[workflow_inactive\]/);
    expect(cli(['workflow', 'activate', 'full-stack-developer', '--project', 'shop']).out).toMatch(
      /is active \(version 4\)/,
    );
    const progress = cli(['ticket', 'progress', 'SHOP-1', 'tests written', '--percent', '40']);
    expect(progress.code, progress.err).toBe(0);
    expect(progress.out).toMatch(/reported progress on SHOP-1 \(40%\)/);
    expect(cli(['ticket', 'show', 'SHOP-1']).out).toMatch(/SHOP-1: 40% tests written/);
  });

  it('creates the hybrid relay with its statuses', () => {
    const r = cli(['workflow', 'create', '--template', 'hybrid-relay', '--project', 'shop', '--json']);
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(r.out);
    expect(result.createdStatuses).toEqual(['Design', 'Backend', 'Frontend', 'Testing']);
    expect(cli(['workflow', 'list', '--project', 'shop']).out).toMatch(
      /relay-testing\s+1\s+yes\s+claude\s+Testing\s+In Review/,
    );
    const blank = cli(['workflow', 'create', 'triage', '--pickup', 'Backlog', '--finish', 'Todo', '--project', 'shop']);
    expect(blank.code, blank.err).toBe(0);
    expect(blank.out).toMatch(/triage v1: Backlog → Todo; agent claude/);
    expect(blank.err).toBe('');
    // A second active workflow picking up Todo takes Todo's tickets (the first by name): said when it is saved.
    const shared = cli(['workflow', 'create', 'dev', '--pickup', 'Todo', '--finish', 'Done', '--project', 'shop']);
    expect([shared.code, shared.out]).toEqual([0, 'dev v1: Todo → Done; agent claude\n']);
    expect(shared.err).toMatch(
      /^note: dev and full-stack-developer both pick up Todo; its tickets go to dev \(the first by name\)\. .*`openase workflow deactivate NAME`/,
    );
    // Deactivated, it shares nothing; activated again, it is said again.
    expect(cli(['workflow', 'deactivate', 'dev', '--project', 'shop']).err).toBe('');
    const activated = cli(['workflow', 'activate', 'dev', '--project', 'shop']);
    expect(activated.err).toMatch(/^note: dev and full-stack-developer both pick up Todo; its tickets go to dev/);
    expect(cli(['workflow', 'delete', 'dev', '--project', 'shop']).code).toBe(0);
    expect(cli(['workflow', 'create', 'x', '--project', 'shop']).code).toBe(2);
  });

  it('imports a skill folder, refuses traversal and oversized files, exports, binds and disables', () => {
    const dir = path.join(instance.work, 'deploy-docs');
    fs.mkdirSync(path.join(dir, 'scripts'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'SKILL.md'),
      '---\nname: deploy-docs\ndescription: Publish the docs.\n---\nRun scripts/publish.sh\n',
    );
    fs.writeFileSync(path.join(dir, 'scripts', 'publish.sh'), '#!/bin/sh\necho publish\n', { mode: 0o755 });
    const imported = cli(['skill', 'import', dir, '--project', 'shop']);
    expect(imported.code, imported.err).toBe(0);
    expect(imported.out).toMatch(/imported skill deploy-docs version 1 \(2 file\(s\)/);
    expect(cli(['skill', 'import', dir, '--project', 'shop']).out).toMatch(/unchanged/);
    const out = path.join(instance.work, 'exported');
    expect(cli(['skill', 'export', 'deploy-docs', '--project', 'shop', '--output', out]).code).toBe(0);
    expect(fs.readFileSync(path.join(out, 'scripts', 'publish.sh'), 'utf8')).toBe('#!/bin/sh\necho publish\n');
    expect(fs.statSync(path.join(out, 'scripts', 'publish.sh')).mode & 0o111).not.toBe(0);
    const again = cli(['skill', 'export', 'deploy-docs', '--project', 'shop', '--output', out]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/is not empty/);

    fs.writeFileSync(path.join(dir, 'big.bin'), Buffer.alloc(300_000, 1));
    const big = cli(['skill', 'import', dir, '--project', 'shop']);
    expect(big.code).toBe(1);
    expect(big.err).toMatch(/big.bin is 300000 bytes; a skill file has at most 262144 bytes/);
    fs.rmSync(path.join(dir, 'big.bin'));
    fs.symlinkSync('/etc/passwd', path.join(dir, 'passwd'));
    const link = cli(['skill', 'import', dir, '--project', 'shop']);
    expect(link.code).toBe(1);
    expect(link.err).toMatch(/is a symbolic link/);
    fs.rmSync(path.join(dir, 'passwd'));

    const bound = cli(['skill', 'bind', 'deploy-docs', '--workflow', 'relay-testing', '--project', 'shop']);
    expect(bound.code, bound.err).toBe(0);
    expect(bound.out).toMatch(
      /relay-testing version 2 uses skills: openase-platform, write-tests, review-code, deploy-docs/,
    );
    expect(cli(['skill', 'disable', 'deploy-docs', '--project', 'shop']).out).toMatch(/disabled/);
    const listed = JSON.parse(cli(['skill', 'list', '--project', 'shop', '--json']).out);
    expect(listed.map((s: { name: string; enabled: boolean }) => `${s.name}:${s.enabled}`)).toContain(
      'deploy-docs:false',
    );
    expect(cli(['skill', 'unbind', 'deploy-docs', '--workflow', 'relay-testing', '--project', 'shop']).code).toBe(0);
  });

  it('refuses path traversal in a skill sent straight to the API', async () => {
    const { url, token } = JSON.parse(fs.readFileSync(path.join(instance.server.home, 'credentials'), 'utf8'));
    const body = {
      project: 'shop',
      files: [
        { path: 'SKILL.md', contentBase64: Buffer.from('---\nname: evil\ndescription: x\n---\n').toString('base64') },
        { path: '../../.ssh/authorized_keys', contentBase64: 'eA==' },
      ],
    };
    const res = await fetch(`${url}/trpc/skills.import`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toMatch(/contains \\"..\\"; a skill cannot reach outside its folder/);
    const reference = await fetch(`${url}/trpc/workflows.reference`, { headers: { authorization: `Bearer ${token}` } });
    const data = (
      (await reference.json()) as {
        result: { data: { variables: Record<string, string>; scopes: Record<string, string>; hooks: string[] } };
      }
    ).result.data;
    expect(Object.keys(data.variables)).toContain('ticket.identifier');
    expect(Object.keys(data.scopes)).toContain('tickets.create_child');
    expect(data.hooks).toContain('before_finish');
  });

  it('has --help on every new command', () => {
    for (const group of ['agent', 'workflow', 'skill']) {
      const help = cli([group, '--help']);
      expect(help.code).toBe(0);
      const names = [...help.out.matchAll(/^ {2}(\S+) {2}/gm)].map((m) => m[1]!);
      expect(names.length).toBeGreaterThan(4);
      for (const name of names) {
        const r = cli([group, name, '--help']);
        expect(r.code, `${group} ${name}`).toBe(0);
        expect(r.out).toMatch(/Usage: openase/);
      }
    }
    expect(cli(['ticket', 'why', '--help']).out).toMatch(/Usage: openase ticket why TICKET/);
  });
});
