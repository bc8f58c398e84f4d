// `npm start`: install what is missing, build, run the control plane. Extra arguments go to
// `openase serve` (e.g. `npm start -- --port 8080`).
import { spawn } from 'node:child_process';
import { bundlePath, ensureBuilt, ensureInstalled } from './lib/bootstrap.mjs';

ensureInstalled();
ensureBuilt();
const child = spawn(process.execPath, [bundlePath, 'serve', ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
// `npm start &` then `kill $!` ends npm but not us (npm does not pass the signal on): when the process that started
// us is gone, stop the server as Ctrl+C would, instead of leaving it listening with nobody to stop it.
const parent = process.ppid;
setInterval(() => {
  try {
    process.kill(parent, 0);
  } catch {
    child.kill('SIGTERM');
  }
}, 1000).unref();
