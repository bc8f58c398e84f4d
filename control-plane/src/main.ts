#!/usr/bin/env node
import { runCli } from './cli/main.js';

// A reader that went away (`openase ticket list | head -1`) ends the output quietly, as with any
// Unix tool; the server (`serve`) keeps running without its stdout.
const serving = process.argv[2] === 'serve';
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    if (!serving) process.exit(process.exitCode ?? 0);
  });

const code = await runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  write: (text) => process.stdout.write(text),
  stdin: process.stdin,
});
process.exitCode = code;
