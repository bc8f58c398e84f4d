import { afterAll, beforeAll } from 'vitest';
import { startFakeModelServer, type FakeModelServer } from './server.js';

/** One fake model server for the test file: started before its tests, closed after them. */
export function useFakeModelServer(): { readonly server: FakeModelServer } {
  let server: FakeModelServer | undefined;
  beforeAll(async () => {
    server = await startFakeModelServer();
  });
  afterAll(async () => {
    await server?.close();
  });
  return {
    get server(): FakeModelServer {
      if (!server) throw new Error('the fake model server is not started yet');
      return server;
    },
  };
}
