/**
 * `openase chat` at its prompt: a message that fails is printed and the prompt goes on, and the exit code says
 * whether the last message failed, so `echo hi | openase chat --project P` in a script can tell.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { conflict } from '@openase/shared';
import type { ApiClient } from '../client.js';
import { interactive } from './chat-start.js';

const noAgent = conflict("cannot start the conversation's agent: no connected machine has the claude CLI");

function fakeApi(create: () => Promise<unknown>): ApiClient {
  return { chat: { create: { mutate: create } } } as unknown as ApiClient;
}

async function chat(lines: string[], api: ApiClient): Promise<{ code: number; err: string[] }> {
  const err: string[] = [];
  const io = { out: () => {}, write: () => {}, err: (l: string) => err.push(l), env: {}, stdin: Readable.from(lines) };
  const code = await interactive(io, api, { project: 'demo' });
  return { code, err };
}

describe('openase chat (interactive)', () => {
  it('exits 1 when the last message could not be sent, after saying why', async () => {
    const { code, err } = await chat(
      ['hello\n'],
      fakeApi(() => Promise.reject(noAgent)),
    );
    expect(err).toContain(
      "openase chat: cannot start the conversation's agent: no connected machine has the claude CLI",
    );
    expect(code).toBe(1);
  });

  it('exits 0 when nothing failed (no message, or /quit)', async () => {
    const never = fakeApi(() => Promise.reject(new Error('not called')));
    expect((await chat([], never)).code).toBe(0);
    expect((await chat(['/quit\n', 'hello\n'], never)).code).toBe(0);
  });
});
