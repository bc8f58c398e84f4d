/**
 * Input hygiene at the API edge (issue 13, point 6), through the real HTTP app: NUL and lone
 * surrogates in any text field are a 400 (they were a 500, with the input in the log); a YAML
 * alias bomb in SKILL.md is a 400 (it was a 500); a harness `name:` follows the API's rule for
 * workflow names (`../../x` was accepted and then unaddressable).
 */
import { expect, it } from 'vitest';
import { forEachDatabase } from '@openase/test-kit/databases';
import { createApp } from '../../src/http/app.js';
import { createToken } from '../../src/auth/tokens.js';
import { createProject } from '../../src/projects/projects.js';
import { captureLogger } from '../../src/kernel/logger.js';

let n = 0;

forEachDatabase('security: input hygiene', (get) => {
  async function setup() {
    const { admin } = get();
    const captured = captureLogger();
    const deps = { ...get().deps, log: captured.log };
    const app = createApp({ deps, version: 't', databaseKind: 'pglite', rateLimits: null });
    const { token } = await createToken(deps, admin, { name: `hyg-${++n}`, scopes: ['read', 'write'] });
    const slug = `hyg${n}`;
    await createProject(deps, admin, { name: slug, ticketPrefix: `HY${n}X` });
    const mutate = async (procedure: string, input: unknown) => {
      const res = await app.request(`/trpc/${procedure}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
      return { status: res.status, body: JSON.stringify(await res.json()) };
    };
    return { mutate, slug, logs: captured.records };
  }

  it('refuses NUL and lone surrogates in any text with 400, and logs nothing of it', async () => {
    const { mutate, slug, logs } = await setup();
    for (const title of ['nul \u0000 inside', 'lone \uD800 high', 'lone \uDC00 low']) {
      const res = await mutate('tickets.create', { project: slug, title });
      expect(res.status).toBe(400);
      expect(res.body).toMatch(/title: text must not contain/);
    }
    // Nested fields and keys too (a label; a workflow's env key).
    expect((await mutate('tickets.create', { project: slug, title: 'ok', labels: ['a\u0000'] })).status).toBe(400);
    // A well-formed pair (an emoji) is fine.
    expect((await mutate('tickets.create', { project: slug, title: 'ship it \uD83D\uDE80' })).status).toBe(200);
    expect(logs.filter((r) => Number(r.level) >= 50)).toEqual([]);
  });

  it('answers a YAML alias bomb in SKILL.md with 400', async () => {
    const { mutate, slug } = await setup();
    const bomb = [
      '---',
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
      'name: bomb',
      'description: boom',
      '---',
      'body',
    ].join('\n');
    const res = await mutate('skills.import', {
      project: slug,
      files: [{ path: 'SKILL.md', contentBase64: Buffer.from(bomb).toString('base64') }],
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatch(/SKILL\.md: the YAML could not be read/);
  });

  it('refuses a harness whose name: breaks the workflow name rule', async () => {
    const { mutate, slug } = await setup();
    for (const name of ['../../x', 'has space', '.hidden']) {
      const res = await mutate('workflows.import', {
        project: slug,
        source: `---\nname: "${name}"\npickup: [Todo]\nfinish: [Done]\n---\nWork.\n`,
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatch(/name/);
    }
  });
});
