import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { acquireDataDirLock } from './data-dir-lock.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-data-dir-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

it('makes a new data dir readable by its user only, as serve does (db import into a new one made it 0755)', () => {
  const home = path.join(root, 'home');
  const lock = acquireDataDirLock(path.join(home, 'data'));
  try {
    for (const dir of [home, path.join(home, 'data')]) expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
  } finally {
    lock.release();
  }
});
