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
