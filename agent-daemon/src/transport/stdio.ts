/**
 * The direct transports (local child, SSH exec channel): the protocol as JSON lines on stdin
 * and stdout. stdout carries only frames; logs go to stderr. When stdin ends the control plane
 * is gone: the daemon exits, its runs keep running and the next daemon re-attaches.
 */
import readline from 'node:readline';
import type { Daemon } from '../daemon.js';

export function runStdio(daemon: Daemon): Promise<void> {
  daemon.attach({ send: (frame) => process.stdout.write(`${JSON.stringify(frame)}\n`) });
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  rl.on('line', (line) => {
    if (line.trim()) daemon.receive(line);
  });
  return new Promise((resolve) =>
    rl.on('close', () => {
      daemon.detach();
      resolve();
    }),
  );
}
