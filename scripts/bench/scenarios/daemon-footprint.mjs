// Scenario 4: the real daemon's footprint. `openase-agent join` + `run` against a control plane,
// RSS of the daemon process when idle (connected, nothing running), then with 4 command runs
// streaming output lines (each a node process printing `linesPerSecond` lines for `seconds`).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { agentBundlePath } from '../../lib/bootstrap.mjs';
import { log, mib, procSample, sleep, startServer, tempDir, trpc, until } from '../lib.mjs';

export async function daemonFootprint({ databaseUrl, runs = 4, linesPerSecond = 200, seconds = 15 }) {
  const server = await startServer({ databaseUrl });
  const home = tempDir('agent');
  let daemon;
  try {
    const { token } = await trpc(server.url, server.token, 'machines.createJoinToken', {});
    const join = spawnSync(
      process.execPath,
      [agentBundlePath, 'join', server.url, token, '--name', 'footprint', '--home', home, '--slots', String(runs)],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (join.status !== 0) throw new Error(`join failed: ${join.stderr}`);
    daemon = spawn(process.execPath, [agentBundlePath, 'run', '--home', home], { stdio: 'ignore' });
    const online = await until(
      async () =>
        (await trpc(server.url, server.token, 'machines.show', { name: 'footprint' }, 'query')).status === 'online',
      60_000,
      200,
    );
    if (!online) throw new Error('the daemon did not come online');
    await sleep(5000); // settle: startup garbage collected, inventory detected
    const idle = procSample(daemon.pid);
    const script = `let i=0;const t=setInterval(()=>{for(let k=0;k<${linesPerSecond / 10};k++)console.log('line '+(++i)+' '+'x'.repeat(60))},100);setTimeout(()=>{clearInterval(t)},${seconds * 1000})`;
    const started = [];
    for (let r = 0; r < runs; r++)
      started.push(
        await trpc(server.url, server.token, 'runs.start', {
          machine: 'footprint',
          command: [process.execPath, '-e', script],
        }),
      );
    let maxRss = 0;
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      await sleep(500);
      maxRss = Math.max(maxRss, procSample(daemon.pid).rss);
    }
    const states = await Promise.all(
      started.map((r) =>
        until(
          async () => {
            const s = await trpc(server.url, server.token, 'runs.show', { run: r.id }, 'query');
            return ['succeeded', 'failed', 'canceled', 'timed_out', 'lost'].includes(s.state) ? s : null;
          },
          30_000,
          250,
        ),
      ),
    );
    return {
      idleRssMiB: mib(idle.rss),
      streamingRssMiB: mib(maxRss),
      runs,
      linesPerSecondPerRun: linesPerSecond,
      runsSucceeded: states.filter((s) => s?.state === 'succeeded').length,
      eventsStored: states.reduce((n, s) => n + (s?.ackedSeq ?? 0), 0),
    };
  } finally {
    if (daemon && daemon.exitCode === null) {
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon.once('exit', r));
    }
    await server.stop();
    fs.rmSync(home, { recursive: true, force: true });
    log('daemon footprint done');
  }
}
