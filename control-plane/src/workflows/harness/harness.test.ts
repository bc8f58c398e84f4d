import { describe, expect, it } from 'vitest';
import { parseHarness } from './parse.js';
import { renderTemplate } from './template.js';
import { editFrontMatter } from '../../kernel/frontmatter.js';
import { serializeHarness } from './serialize.js';

const GOOD = `---
name: developer
agent: claude
pickup: [Todo]
finish:
  - In Review
max_turns: 20
hooks:
  before_finish:
    - run: npm test
      timeout: 600
scopes: [tickets.comment, tickets.move, "tickets.move:Blocked"]
---
You work on {{ ticket.identifier }}: {{ ticket.title | upcase }}.
{% for repo in repos %}- {{ repo.name }} ({{ repo.default_branch }})
{% endfor %}Attempt {{ attempt }} of {{ max_attempts }} on {{ machine.name }}.
`;

describe('parseHarness', () => {
  it('parses a valid file with defaults filled in', () => {
    const parsed = parseHarness(GOOD);
    expect(parsed.problems).toEqual([]);
    expect(parsed.harness).toMatchObject({
      name: 'developer',
      pickup: ['Todo'],
      finish: ['In Review'],
      max_turns: 20,
      max_attempts: 3,
      timeout_minutes: 60,
      active: true,
    });
    expect(parsed.harness!.hooks!.before_finish![0]).toEqual({ run: 'npm test', timeout: 600, policy: 'block' });
    expect(parsed.bodyStartLine).toBe(14);
  });

  it('reports every problem with its line and field', () => {
    const bad = GOOD.replace('max_turns: 20', 'max_turns: 20\ntimeout_minutes: -5\ncolour: red')
      .replace('{{ ticket.identifier }}', '{{ ticket.identifer }}')
      .replace('| upcase', '| shout');
    const { problems, harness } = parseHarness(bad);
    expect(harness).toBeNull();
    expect(problems).toEqual([
      { line: 8, field: 'timeout_minutes', message: 'must be a whole number ≥ 1' },
      { line: 9, field: 'colour', message: 'unknown field "colour"' },
      { line: 16, field: 'body', message: expect.stringMatching(/undefined filter: shout/) },
      // An unknown filter does not hide the other problems of the body.
      { line: 16, field: 'body', message: expect.stringMatching(/unknown variable "ticket.identifer"/) },
    ]);
    const noFilter = parseHarness(bad.replace('| shout', '| upcase')).problems.at(-1)!;
    expect(noFilter).toMatchObject({
      line: 16,
      field: 'body',
      message: expect.stringMatching(/unknown variable "ticket.identifer"/),
    });
  });

  it('reports unknown variables, unknown scopes, missing fields and YAML errors', () => {
    const text = `---\nname: x\npickup: []\nscopes: [tickets.delete_all]\n---\n{{ secrets.token }}\n{{ repos[0].nme }}\n{{ attempt.x }}\n`;
    const { problems } = parseHarness(text);
    expect(problems.map((p) => `${p.line}:${p.field}`)).toEqual([
      '1:finish',
      '3:pickup',
      '4:scopes[0]',
      '6:body',
      '7:body',
      '8:body',
    ]);
    expect(parseHarness('no front matter').problems[0]).toMatchObject({
      line: 1,
      message: expect.stringMatching(/starts with a `---` line/),
    });
    expect(parseHarness('---\nname: [\n---\n').problems[0]).toMatchObject({ field: '(yaml)' });
    expect(parseHarness('---\nname: x\n').problems[0]!.message).toMatch(/no closing/);
    expect(parseHarness('---\nname: a\nname: b\npickup: [a]\nfinish: [b]\n---\n').problems[0]).toMatchObject({
      line: 3,
      field: '(yaml)',
    });
  });

  it('takes a permission mode for the agent CLI and names the allowed ones for any other value', () => {
    const text = (mode: string) => `---\nname: x\npickup: [a]\nfinish: [b]\npermission_mode: ${mode}\n---\n`;
    expect(parseHarness(text('bypassPermissions')).harness).toMatchObject({ permission_mode: 'bypassPermissions' });
    const [problem] = parseHarness(text('yolo')).problems;
    expect(problem).toMatchObject({ line: 5, field: 'permission_mode' });
    expect(problem!.message).toMatch(/default.*acceptEdits.*bypassPermissions.*plan/);
    expect(parseHarness(`---\nname: x\npickup: [a]\nfinish: [b]\n---\n`).harness!.permission_mode).toBeUndefined();
  });

  it('keeps hook workdirs inside the worktree', () => {
    const text = `---\nname: x\npickup: [a]\nfinish: [b]\nhooks:\n  on_done:\n    - run: ls\n      workdir: ../../etc\n---\n`;
    expect(parseHarness(text).problems).toEqual([
      { line: 8, field: 'hooks.on_done[0].workdir', message: 'must be a path relative to the worktree, without ".."' },
    ]);
  });

  it('allows loop variables, assigns and list properties', () => {
    const text = `---\nname: x\npickup: [a]\nfinish: [b]\n---\n{% assign n = repos.size %}{{ n }} {{ ticket.labels | join: ", " }} {% for l in ticket.labels %}{{ l }}{{ forloop.index }}{% endfor %}{{ repos.first.url }}\n`;
    expect(parseHarness(text).problems).toEqual([]);
  });

  it('refuses YAML alias bombs and runaway loops with an error instead of exhausting the server', () => {
    const bomb = [
      '---',
      'a: &a [x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
      '---',
      '',
    ].join('\n');
    expect(parseHarness(bomb).problems[0]).toMatchObject({ field: '(yaml)', message: expect.stringMatching(/alias/i) });
    const loop = parseHarness(
      `---\nname: x\npickup: [a]\nfinish: [b]\n---\n{% for i in (1..100000000) %}{{ ticket.title }}{% endfor %}\n`,
    );
    expect(loop.problems).toEqual([]);
    expect(() => renderTemplate(loop.templates!, { ticket: { title: 'x'.repeat(1000) } })).toThrow(/limit/i);
  });

  it('refuses include/render of files', () => {
    const text = `---\nname: x\npickup: [a]\nfinish: [b]\n---\n{% include '/etc/passwd' %}\n`;
    const parsed = parseHarness(text);
    expect(() => renderTemplate(parsed.templates!, {})).toThrow();
  });
});

describe('renderTemplate', () => {
  it('renders and fails loudly on a missing value', () => {
    const parsed = parseHarness(GOOD);
    const vars = {
      ticket: { identifier: 'D-1', title: 'Login' },
      repos: [{ name: 'app', default_branch: 'main' }],
      attempt: 1,
      max_attempts: 3,
      machine: { name: 'm1' },
    };
    expect(renderTemplate(parsed.templates!, vars)).toBe(
      'You work on D-1: LOGIN.\n- app (main)\nAttempt 1 of 3 on m1.\n',
    );
    expect(() => renderTemplate(parsed.templates!, { ...vars, machine: {} })).toThrow(/undefined variable/);
  });
});

describe('editing and serializing', () => {
  it('edits the front matter keeping comments and the body byte for byte', () => {
    const text = GOOD.replace('max_turns: 20', 'max_turns: 20 # generous');
    const edited = editFrontMatter(text, (doc) => doc.set('active', false));
    expect(edited).toContain('max_turns: 20 # generous');
    expect(edited.endsWith(text.slice(text.indexOf('You work on')))).toBe(true);
    expect(parseHarness(edited).harness!.active).toBe(false);
  });

  it('serializes without defaults and parses back to the same harness', () => {
    const text = serializeHarness(
      {
        name: 'w',
        pickup: ['Todo'],
        finish: ['Done'],
        max_turns: 10,
        hooks: { on_done: [{ run: 'echo ok', policy: 'warn' }] },
      },
      'Do {{ ticket.title }}.\n',
    );
    expect(text).toBe(
      '---\nname: w\npickup:\n  - Todo\nfinish:\n  - Done\nhooks:\n  on_done:\n    - run: echo ok\n      policy: warn\n---\n\nDo {{ ticket.title }}.\n',
    );
    expect(parseHarness(text).harness).toMatchObject({
      name: 'w',
      max_turns: 10,
      hooks: { on_done: [{ run: 'echo ok', policy: 'warn', timeout: 300 }] },
    });
  });
});
