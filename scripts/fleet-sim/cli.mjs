// `node scripts/fleet-sim --url URL --token oat_… --machines 1000 …`: a simulated fleet joined to
// a running control plane, printing what it does every 5 s until Ctrl-C. See fleet.mjs.
import { parseArgs } from 'node:util';
import { ensureInstalled } from '../lib/bootstrap.mjs';

const HELP = `node scripts/fleet-sim [options]
  --url URL             control plane (default $OPENASE_URL)
  --token TOKEN         an admin API token oat_… (default $OPENASE_TOKEN); creates the join tokens
  --machines N          simulated daemons (default 10)
  --slots N             slots per daemon (default 2)
  --rate N              events/s per run (default 20)
  --events-per-turn N   events per agent turn (default 50)
  --turns N             turns before the agent asks to finish (default 1)
  --batch-ms N          how often a run flushes its events (default 100, as the daemon)
  --hold                runs never finish: they stream until the simulator stops
  --finish-status NAME  status the agent moves its ticket to when done (default "In Review")
  --clis LIST           CLI inventory, comma-separated (default bench-agent; an agent with
                        adapter custom and command /usr/bin/bench-agent runs on it)
  --labels LIST         machine labels, comma-separated
  --prefix NAME         machine name prefix (default sim)
  --json                print stats as JSON lines`;

let values;
try {
  ({ values } = parseArgs({
    options: {
      url: { type: 'string', default: process.env.OPENASE_URL },
      token: { type: 'string', default: process.env.OPENASE_TOKEN },
      machines: { type: 'string', default: '10' },
      slots: { type: 'string', default: '2' },
      rate: { type: 'string', default: '20' },
      'events-per-turn': { type: 'string', default: '50' },
      turns: { type: 'string', default: '1' },
      'batch-ms': { type: 'string', default: '100' },
      hold: { type: 'boolean', default: false },
      'finish-status': { type: 'string', default: 'In Review' },
      clis: { type: 'string', default: 'bench-agent' },
      labels: { type: 'string', default: '' },
      prefix: { type: 'string', default: 'sim' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (err) {
  console.error(`fleet-sim: ${err.message}`);
  process.exit(2);
}
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
if (!values.url || !values.token) {
  console.error('fleet-sim: give --url and --token (or OPENASE_URL / OPENASE_TOKEN); see --help');
  process.exit(2);
}
// The simulator speaks WebSocket through the workspace's `ws`: install it on a fresh clone first.
ensureInstalled();
const { Fleet } = await import('./fleet.mjs');
const int = (name) => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`fleet-sim: --${name} must be a positive integer`);
    process.exit(2);
  }
  return n;
};
const list = (s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const fleet = new Fleet({
  url: values.url.replace(/\/+$/, ''),
  token: values.token,
  machines: int('machines'),
  slots: int('slots'),
  eventsPerSecond: int('rate'),
  eventsPerTurn: int('events-per-turn'),
  turns: int('turns'),
  batchMs: int('batch-ms'),
  hold: values.hold,
  finishStatus: values['finish-status'],
  clis: list(values.clis),
  labels: list(values.labels),
  prefix: values.prefix,
  log: (line) => console.error(line),
});
try {
  await fleet.start();
} catch (err) {
  console.error(`fleet-sim: ${err.message}`);
  await fleet.stop();
  process.exit(1);
}
const report = () => {
  const s = fleet.stats;
  const line = {
    activeRuns: fleet.activeRuns,
    offers: s.offers,
    finished: s.finished,
    eventsSent: s.eventsSent,
    eventsAcked: s.eventsAcked,
    heartbeats: s.heartbeats,
    errors: s.errors.length,
  };
  console.log(
    values.json
      ? JSON.stringify(line)
      : Object.entries(line)
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
  );
  for (const e of s.errors.splice(0)) console.error(`fleet-sim: ${e}`);
};
const timer = setInterval(report, 5000);
process.once('SIGINT', async () => {
  clearInterval(timer);
  report();
  await fleet.stop();
  process.exit(0);
});
