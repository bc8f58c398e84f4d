// Builds the daemon bundle if its sources changed, then runs it with the given arguments.
import { spawn } from 'node:child_process';
import { agentBundlePath, ensureAgentBuilt, ensureInstalled } from './lib/bootstrap.mjs';

ensureInstalled();
ensureAgentBuilt();
const child = spawn(process.execPath, [agentBundlePath, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
