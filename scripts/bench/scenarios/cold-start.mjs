// Scenario 5: cold start of `openase serve` to "listening": a fresh data dir / empty database
// (migrations and bootstrap included), then a restart on the existing data.
import { round, startServer, tempDir } from '../lib.mjs';
import fs from 'node:fs';

/** `database()` gives a fresh database per repeat ({url, drop}) or null for the embedded one. */
export async function coldStart({ database = async () => null, repeats = 3 }) {
  const fresh = [];
  const restart = [];
  for (let i = 0; i < repeats; i++) {
    const home = tempDir('cold');
    const db = await database();
    const first = await startServer({ databaseUrl: db?.url ?? null, home });
    fresh.push(first.listeningMs);
    await first.stop({ keepHome: true });
    const second = await startServer({ databaseUrl: db?.url ?? null, home });
    restart.push(second.listeningMs);
    await second.stop();
    await db?.drop();
    fs.rmSync(home, { recursive: true, force: true });
  }
  const median = (xs) => round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)], 0);
  return {
    freshMs: median(fresh),
    restartMs: median(restart),
    fresh: fresh.map((x) => round(x, 0)),
    restart: restart.map((x) => round(x, 0)),
  };
}
