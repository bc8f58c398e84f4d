// One build of a checkout at a time. `npm start` and `npm test` (or two test files) started together each found the
// console out of date and ran vite at once into the same web/dist: index.html ended up naming script files the other
// build had removed, and being newer than the sources it was never rebuilt (a helper's browser tests all hung at
// sign-in). The lock is a directory (mkdir is atomic) holding the owner's pid; a dead owner's lock is taken over.
import fs from 'node:fs';
import path from 'node:path';

const held = new Set();

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Runs `fn` holding the lock `dir` (re-entrant within a process); waits for another process's, up to `waitMs`. */
export function withLock(dir, fn, { waitMs = 15 * 60_000, log = () => {} } = {}) {
  if (held.has(dir)) return fn();
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const pidFile = path.join(dir, 'pid');
  const deadline = Date.now() + waitMs;
  let told = false;
  for (;;) {
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(pidFile, String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    let owner = NaN;
    let since = Date.now();
    try {
      owner = Number(fs.readFileSync(pidFile, 'utf8'));
      since = fs.statSync(dir).mtimeMs;
    } catch {
      /* being created or removed: look again */
    }
    // A dead owner, or one that died between mkdir and writing its pid (no pid after 10 s).
    if ((owner > 0 && !alive(owner)) || (!(owner > 0) && Date.now() - since > 10_000)) {
      fs.rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(`another build of this checkout (pid ${owner}) held ${dir} for ${waitMs / 1000} s`);
    if (!told) log(`waiting for another build of this checkout to finish (pid ${owner})…`);
    told = true;
    sleep(100);
  }
  held.add(dir);
  try {
    return fn();
  } finally {
    held.delete(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
