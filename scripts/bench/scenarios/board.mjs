// Scenario 6: board load with 500 tickets in headless Chromium (scripts/bench/board-load.mjs).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export async function boardLoad({ tickets = 500, runs = 3 }) {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(chromium)) return { skipped: `no Chromium at ${chromium} (set CHROMIUM_PATH)` };
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'board-load.mjs');
  const child = spawn(process.execPath, [script, '--tickets', String(tickets), '--runs', String(runs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  const code = await new Promise((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`board-load exited with ${code}`);
  return JSON.parse(out);
}
