import fs from 'node:fs';

/** True while a process with this pid exists (signal 0 probes without signalling). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * True while a process of this run is alive: one whose environment says `OPENASE_RUN=<runId>`. A
 * pid a sandboxed process writes is its pid inside the sandbox's PID namespace, useless outside.
 */
export function runProcessAlive(runId: string): boolean {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = fs.readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (environ.split('\0').includes(`OPENASE_RUN=${runId}`)) return true;
    } catch {
      /* gone, or not ours to read */
    }
  }
  return false;
}
