import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { writeExportFile } from './files.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-export-file-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function* lines() {
  yield '{"a":1}';
}

it('says where an export cannot go, in words, and leaves nothing behind', async () => {
  // A folder given as the file was Node's "EISDIR … rename"; a missing folder an unhandled stream 'error' (a crash).
  await expect(writeExportFile(dir, lines())).rejects.toThrow(`${dir} is a folder: name the file to write`);
  const missing = path.join(dir, 'nope', 'x.export');
  await expect(writeExportFile(missing, lines())).rejects.toThrow(`cannot write ${missing}: ENOENT`);
  expect(fs.readdirSync(dir)).toEqual([]);
  const file = path.join(dir, 'ok.export');
  expect((await writeExportFile(file, lines())).bytes).toBeGreaterThan(0);
  expect(fs.readdirSync(dir)).toEqual(['ok.export']);
});
