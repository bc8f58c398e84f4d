/**
 * A token never makes more than it carries. Found by a walkthrough: joining from the CLI (`openase auth accept`)
 * gave even a viewer a `read,write,admin` token — one that `openase token create` refuses a viewer, and that would
 * become an admin's the day the viewer was promoted. Now the joining token carries what the role allows
 * (`roleScopes`), a token makes only tokens within its own scopes, and a sign-in link (a session, with the role's
 * full power) needs a token carrying all the role allows.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCliServer } from '../cli-server.js';

const instance = useCliServer('scopes', 'Demo');
const cli = (args: string[], home?: string) => instance.server.cli(args, home ? { env: { OPENASE_HOME: home } } : {});

function join(email: string, role: 'viewer' | 'member', name: string): string {
  const invite = cli(['member', 'invite', '--email', email, '--role', role]);
  expect(invite.code, invite.err).toBe(0);
  const home = fs.mkdtempSync(path.join(instance.work, `${name}-`));
  const joined = cli(['auth', 'accept', invite.out.trim().split('\n')[1]!, '--name', name], home);
  expect(joined.code, joined.err).toBe(0);
  return home;
}

const scopesOf = (home: string) =>
  (JSON.parse(cli(['auth', 'whoami', '--json'], home).out) as { scopes: string[] }).scopes;

describe('token scopes', () => {
  it("a viewer who joins from the CLI gets a read token; it opens the viewer's session but makes no write token", () => {
    const vic = join('vic@example.com', 'viewer', 'Vic');
    expect(scopesOf(vic)).toEqual(['read']);
    const link = cli(['auth', 'signin-link', '--json'], vic);
    expect(link.code, link.err).toBe(0);
    expect(JSON.parse(link.out).url).toMatch(/\/auth\/signin\?code=osl_/);
    const refused = cli(['token', 'create', 'rw', '--scopes', 'read,write'], vic);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(/your role \(viewer\) cannot create write-scoped tokens/);
  });

  it('a viewer made a project member is told a way to a write token that works; lists their own tokens', () => {
    // Found by a walkthrough: the refusal said `openase token create --scopes write` (refused: a token cannot widen
    // itself), then "do it from the console", which the read token could not open; and `token list` needed admin.
    const bob = join('bob@example.com', 'viewer', 'Bob');
    const listed = cli(['token', 'list', '--json'], bob);
    expect(listed.code, listed.err).toBe(0);
    expect((JSON.parse(listed.out) as Array<{ scopes: string[] }>).map((t) => t.scopes)).toEqual([['read']]);
    // Their own watches and inbox are a viewer's too (they needed `write`, which a viewer's token cannot have).
    expect(cli(['ticket', 'create', '--project', 'demo', '--title', 'Watched']).code).toBe(0);
    const watched = cli(['ticket', 'watch', 'DEMO-1'], bob);
    expect(watched.code, watched.err).toBe(0);
    expect(cli(['inbox', 'read'], bob).code).toBe(0);
    expect(cli(['inbox', 'unsubscribe', 'project-ai'], bob).code).toBe(0);
    expect(cli(['member', 'role', 'bob@example.com', 'member', '--project', 'demo']).code).toBe(0);
    const refused = cli(['ticket', 'create', '--project', 'demo', '--title', 'Bob tries'], bob);
    expect(refused.code).not.toBe(0);
    expect(refused.err).not.toMatch(/openase token create/);
    expect(refused.err).toMatch(/an admin makes you a one-time link with `openase auth signin-link --for YOUR-EMAIL`/);
    expect(cli(['auth', 'signin-link'], bob).err).toMatch(/openase auth signin-link --for YOUR-EMAIL/);
    const link = cli(['auth', 'signin-link', '--for', 'bob@example.com', '--json']);
    expect(link.code, link.err).toBe(0);
  });

  it("a member's joining token carries read and write; a read token made from it cannot widen itself", () => {
    const mia = join('mia@example.com', 'member', 'Mia');
    expect(scopesOf(mia)).toEqual(['read', 'write']);
    const made = cli(['token', 'create', 'ro', '--scopes', 'read', '--json'], mia);
    expect(made.code, made.err).toBe(0);
    const readOnly = (JSON.parse(made.out) as { token: string }).token;
    const narrow = fs.mkdtempSync(path.join(instance.work, 'narrow-'));
    const env = { OPENASE_HOME: narrow, OPENASE_URL: instance.server.url, OPENASE_TOKEN: readOnly };
    const widen = instance.server.cli(['token', 'create', 'rw', '--scopes', 'read,write'], { env });
    expect(widen.code).not.toBe(0);
    expect(widen.err).toMatch(/this API token \(scopes: read\) cannot create a token, which would carry write too/);
    const session = instance.server.cli(['auth', 'signin-link'], { env });
    expect(session.code).not.toBe(0);
    expect(session.err).toMatch(/cannot open a console session, which would carry write too/);
  });
});
