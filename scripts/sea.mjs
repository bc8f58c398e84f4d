// `npm run sea [-- --out DIR] [--json]`: the daemon as one executable file — Node's single executable
// application (SEA): the daemon bundle (agent-daemon/dist/openase-agent.cjs) as a blob injected with
// postject into a copy of the Node binary running this script. A build box copies that one file and
// runs `openase-agent-<version>-<platform>-<arch> join …`: no checkout, no Node, no npm. Needs a Node
// built with SEA support (`node:sea`, the fuse present): official and Debian builds of Node >= 20.12.
// Plain Node: runs before anything else is built.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { agentBundlePath, ensureAgentBuilt, ensureInstalled, root } from './lib/bootstrap.mjs';

// The fuse Node looks for to know a blob was injected (node/src/node_sea.cc).
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** Why this Node cannot be made into a SEA, or null when it can. */
export function seaUnsupported(node = process.execPath) {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 12)) return `Node ${process.version} has no node:sea (20.12 or later)`;
  if (!fs.readFileSync(node).includes(SEA_FUSE)) return `${node} was built without single executable support`;
  return null;
}

/** Builds the executable into `out` (a folder) and returns its path. */
export function buildSea(out, log = () => {}) {
  const why = seaUnsupported();
  if (why) throw new Error(why);
  ensureAgentBuilt();
  const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;
  const file = path.join(out, `openase-agent-${version}-${process.platform}-${process.arch}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-sea-'));
  try {
    const blob = path.join(work, 'daemon.blob');
    const config = path.join(work, 'sea-config.json');
    // A SEA's require() loads only built-ins and warns at any other name: ws' optional native helpers
    // (bufferutil, utf-8-validate) are switched off by ws' own variables before the bundle runs.
    const main = path.join(work, 'main.cjs');
    const bundle = fs.readFileSync(agentBundlePath, 'utf8').replace(/^#!.*\n/, '');
    fs.writeFileSync(
      main,
      `process.env.WS_NO_BUFFER_UTIL ??= '1';\nprocess.env.WS_NO_UTF_8_VALIDATE ??= '1';\n${bundle}`,
    );
    // No code cache: the blob stays portable across machines with the same Node binary.
    fs.writeFileSync(
      config,
      JSON.stringify({ main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: false }),
    );
    const made = spawnSync(process.execPath, ['--experimental-sea-config', config], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`node --experimental-sea-config failed: ${made.stderr}`);
    log(`blob of ${path.relative(root, agentBundlePath)}: ${fs.statSync(blob).size} bytes`);
    fs.mkdirSync(out, { recursive: true });
    fs.rmSync(file, { force: true });
    fs.copyFileSync(process.execPath, file);
    fs.chmodSync(file, 0o755);
    const postject = createRequire(path.join(root, 'package.json')).resolve('postject/dist/cli.js');
    const args = [postject, file, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE];
    if (process.platform === 'darwin') args.push('--macho-segment-name', 'NODE_SEA');
    const injected = spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (injected.status !== 0) throw new Error(`postject failed: ${injected.stderr}${injected.stdout}`);
    return file;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(`Usage: npm run sea -- [--out DIR] [--json]

Builds the daemon as one executable, openase-agent-<version>-<platform>-<arch>, in DIR (default: the
repository root). Copy it to a build box and run it there: ./openase-agent-… join URL TOKEN --run
--json prints {"file": …, "bytes": …}.`);
    process.exit(0);
  }
  ensureInstalled();
  const log = (line) => process.stderr.write(`[sea] ${line}\n`);
  const file = buildSea(path.resolve(values.out ?? root), log);
  const bytes = fs.statSync(file).size;
  if (values.json) console.log(JSON.stringify({ file, bytes }));
  else log(`wrote ${file} (${(bytes / 1048576).toFixed(1)} MiB)`);
}
