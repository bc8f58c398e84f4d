/**
 * What the CLI suites against a real server process share, as hooks: the server (data dir `openase-<name>-cli-…`)
 * with one project created through its CLI, and a folder for the files the test writes (`openase-<name>-files-…`),
 * both there before all the file's tests and stopped and removed after.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { startServerProcess, type ServerProcess } from '@openase/test-kit/server-process';

export interface CliServer {
  server: ServerProcess;
  /** The folder for the test's files. */
  work: string;
}

export function useCliServer(name: string, project: string): CliServer {
  const cli = {} as CliServer;
  beforeAll(async () => {
    cli.server = await startServerProcess({ prefix: `openase-${name}-cli-` });
    cli.work = fs.mkdtempSync(path.join(os.tmpdir(), `openase-${name}-files-`));
    expect(cli.server.cli(['project', 'create', project]).code).toBe(0);
  });
  afterAll(async () => {
    await cli.server?.stop();
    if (cli.work) fs.rmSync(cli.work, { recursive: true, force: true });
  });
  return cli;
}
