/**
 * PGlite has no cross-process protection: two processes opening one data dir corrupt it
 * (pglite#1106). We take an exclusive pid lock file beside the data and refuse to start when a
 * live process holds it; a lock left by a dead process is taken over.
 */
import fs from 'node:fs';
import path from 'node:path';
import { OpenaseError } from '@openase/shared';

export interface DataDirLock {
  path: string;
  release(): void;
}

export function acquireDataDirLock(dataDir: string): DataDirLock {
  // Folders made here are made as serve makes them: only this user reads the database (db import into a new data dir).
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lockPath = path.join(path.dirname(path.resolve(dataDir)), `${path.basename(dataDir)}.lock`);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(lockPath, 'wx', 0o600);
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      let released = false;
      return {
        path: lockPath,
        release() {
          if (released) return;
          released = true;
          try {
            if (readPid(lockPath) === process.pid) fs.unlinkSync(lockPath);
          } catch {
            /* already gone */
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readPid(lockPath);
      if (holder !== null && holder !== process.pid && isAlive(holder)) {
        throw new OpenaseError(
          'DATA_DIR_LOCKED',
          `the embedded database in ${dataDir} is in use by process ${holder}, and only one process can open it: stop that one first (a second server needs a data dir of its own; lock file: ${lockPath})`,
        );
      }
      if (holder === process.pid) {
        throw new OpenaseError(
          'DATA_DIR_LOCKED',
          `the embedded database in ${dataDir} is already open in this process`,
        );
      }
      fs.rmSync(lockPath, { force: true }); // stale: its process is gone
    }
  }
  throw new OpenaseError('DATA_DIR_LOCKED', `could not lock ${lockPath}`);
}

function readPid(lockPath: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8').trim(), 10);
    return Number.isFinite(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
