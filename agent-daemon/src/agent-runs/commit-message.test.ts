import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { cleanMessage, takeCommitMessage } from './commit-message.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-commit-message-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const workspace = (name: string) => {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  return dir;
};

it("takes the agent's message once: cleaned up, then gone", () => {
  const ws = workspace('plain');
  fs.mkdirSync(path.join(ws, '.openase'));
  fs.writeFileSync(path.join(ws, '.openase', 'commit-message'), '\n  Fix   login \u0007\r\n\r\nWhy: it broke.\n');
  expect(takeCommitMessage(ws)).toBe('Fix login\n\nWhy: it broke.');
  expect(takeCommitMessage(ws)).toBeNull();
  expect(cleanMessage(`${'x'.repeat(300)}\nbody`)).toBe(`${'x'.repeat(199)}…\n\nbody`);
});

it('reads and removes nothing through a linked .openase folder, and a folder named commit-message is no error', () => {
  const elsewhere = workspace('elsewhere');
  fs.writeFileSync(path.join(elsewhere, 'commit-message'), 'not the agent’s to give or take\n');
  const ws = workspace('linked');
  fs.symlinkSync(elsewhere, path.join(ws, '.openase'));
  expect(takeCommitMessage(ws)).toBeNull();
  expect(fs.existsSync(path.join(elsewhere, 'commit-message'))).toBe(true); // it used to be deleted
  const odd = workspace('odd');
  fs.mkdirSync(path.join(odd, '.openase', 'commit-message'), { recursive: true });
  expect(takeCommitMessage(odd)).toBeNull(); // it used to throw EISDIR and fail the agent's run
});
