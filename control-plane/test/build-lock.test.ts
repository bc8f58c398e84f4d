/**
 * scripts/lib/build-lock.mjs: the builds of one checkout run one at a time. Two at once (`npm start` beside
 * `npm test`) ran vite into the same web/dist, and index.html named script files the other build had removed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';

const lockModule = path.resolve(import.meta.dirname, '../../scripts/lib/build-lock.mjs');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-build-lock-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A process that holds the lock for `ms`, writing when it entered and left to `trace`. */
function holder(name: string, ms: number, lock: string, trace: string): Promise<number | null> {
  const script = `
    import fs from 'node:fs';
    import { withLock } from ${JSON.stringify(lockModule)};
    withLock(${JSON.stringify(lock)}, () => {
      fs.appendFileSync(${JSON.stringify(trace)}, '${name} in\\n');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${ms});
      fs.appendFileSync(${JSON.stringify(trace)}, '${name} out\\n');
    });`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
  return new Promise((resolve) => child.once('exit', resolve));
}

it('lets one build in at a time: the other waits for it', async () => {
  const lock = path.join(dir, 'a', 'lock');
  const trace = path.join(dir, 'a-trace');
  expect(await Promise.all([holder('one', 400, lock, trace), holder('two', 400, lock, trace)])).toEqual([0, 0]);
  const lines = fs.readFileSync(trace, 'utf8').trim().split('\n');
  // Each "in" is followed by its own "out": no overlap.
  expect(lines).toHaveLength(4);
  expect(lines[0]!.split(' ')[0]).toBe(lines[1]!.split(' ')[0]);
  expect(lines.map((l) => l.split(' ')[1])).toEqual(['in', 'out', 'in', 'out']);
  expect(fs.existsSync(lock)).toBe(false);
});

it('takes over the lock of a build that died holding it', async () => {
  const lock = path.join(dir, 'b', 'lock');
  const trace = path.join(dir, 'b-trace');
  fs.mkdirSync(lock, { recursive: true });
  // A pid that is not running: a finished child's.
  const gone = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => gone.once('exit', resolve));
  fs.writeFileSync(path.join(lock, 'pid'), String(gone.pid));
  expect(await holder('after', 10, lock, trace)).toBe(0);
  expect(fs.readFileSync(trace, 'utf8')).toBe('after in\nafter out\n');
});
