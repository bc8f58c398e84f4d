// Runs outlive their daemon by design (the exec wrapper keeps a run's command going while the
// daemon restarts), so a test or benchmark that stops early could leave commands running: this
// ends the process group of every run still recorded in a daemon's runs folder.
import fs from 'node:fs';
import path from 'node:path';

export function killRunsIn(runsDir) {
  if (!fs.existsSync(runsDir)) return;
  for (const run of fs.readdirSync(runsDir)) {
    try {
      const { wrapperPid } = JSON.parse(fs.readFileSync(path.join(runsDir, run, 'state.json'), 'utf8'));
      if (wrapperPid) process.kill(-wrapperPid, 'SIGKILL');
    } catch {
      /* finished or gone */
    }
  }
}
