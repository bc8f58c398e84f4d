import { expect, it } from 'vitest';
import type { Actor } from '../kernel/context.js';
import { WIDER_TOKEN, requireScope } from './permissions.js';

const token = (role: Actor['role'], scopes: Actor['scopes']): Actor => ({
  type: 'user',
  id: 'u',
  name: 'Vic',
  orgId: 'o',
  userId: 'u',
  role,
  scopes,
});

it('tells a token that lacks a scope how to get one only when its person may hold it', () => {
  expect(() => requireScope(token('admin', ['read']), 'admin')).toThrow(
    `this API token lacks the "admin" scope (it has: read); ${WIDER_TOKEN}`,
  );
  // Found by a walkthrough: a viewer was told to create an admin-scoped token, which a viewer cannot.
  expect(() => requireScope(token('viewer', ['read']), 'admin')).toThrow(
    'this API token lacks the "admin" scope (it has: read), and your role (viewer) cannot have it; ask an organization admin',
  );
  expect(() => requireScope(token('viewer', ['read']), 'write')).toThrow(/your role \(viewer\) cannot have it/);
  expect(() => requireScope(token('member', ['read']), 'write')).toThrow(/create one in the console/);
  expect(() => requireScope(token('viewer', ['read']), 'read')).not.toThrow();
});

it('counts a project role in that advice: a viewer who is a member of some project may hold a write token', () => {
  expect(() => requireScope(token('viewer', ['read']), 'write', 'member')).toThrow(/create one in the console/);
});

it('never sends a token to `openase token create` for a scope it lacks: a token cannot widen itself', () => {
  // A walkthrough's viewer, made a project member, followed that advice and was refused (tokens.ts).
  let message = '';
  try {
    requireScope(token('viewer', ['read']), 'write', 'member');
  } catch (err) {
    message = (err as Error).message;
  }
  expect(message).not.toMatch(/openase token create/);
  expect(message).toMatch(/`openase auth signin-link --for YOUR-EMAIL`/);
  expect(message).toMatch(/`openase login`/);
});

it('names both roles when a project role is the higher one (a project member was told "your role (member)")', () => {
  expect(() => requireScope(token('viewer', ['read']), 'admin', 'member')).toThrow(
    'this API token lacks the "admin" scope (it has: read), and your roles (viewer in the organization, member in a project) cannot have it; ask an organization admin',
  );
});
