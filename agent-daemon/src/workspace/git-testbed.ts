/**
 * Test fixture for the workspace tests on real git: per test a fresh bare remote holding `files` on main, and
 * scratch folders from `newRoot()`; both are removed after the test.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { createTestRemote, type TestRemote } from '@openase/test-kit/git-remote';

export function gitTestbed(files: Record<string, string>, prefix: string) {
  let roots: string[] = [];
  const bed = {
    remote: undefined as unknown as TestRemote,
    newRoot(): string {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
      roots.push(root);
      return root;
    },
  };
  beforeEach(() => {
    bed.remote = createTestRemote(files);
    roots = [];
  });
  afterEach(() => {
    bed.remote.cleanup();
    for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
  });
  return bed;
}
