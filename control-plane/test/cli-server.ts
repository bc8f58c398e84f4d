/**
 * What the CLI suites against a real server process share: the server (data dir `openase-<name>-cli-…`) with one
 * project created through its CLI, and a folder for the files the test writes (`openase-<name>-files-…`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { startServerProcess, type ServerProcess } from '@openase/test-kit/server-process';

export interface CliServer {
  server: ServerProcess;
  /** The folder for the test's files. */
  work: string;
  /** Stops the server and removes the files' folder. */
  stop(): Promise<void>;
}

export async function startCliServer(name: string, project: string): Promise<CliServer> {
  const server = await startServerProcess({ prefix: `openase-${name}-cli-` });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `openase-${name}-files-`));
  expect(server.cli(['project', 'create', project]).code).toBe(0);
  return {
    server,
    work,
    async stop() {
      await server.stop();
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}
