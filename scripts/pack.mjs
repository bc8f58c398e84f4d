// `npm run pack [-- --out DIR] [--json]`: builds what is stale, then packs the release `openase-<version>.tgz`
// — the `openase` and `openase-agent` commands, the console, the migrations, the daemon bundle and the systemd
// units, with PGlite bundled inside, so `npm i -g ./openase-<version>.tgz` needs no checkout and no registry.
// The package keeps the checkout's layout (control-plane/src/db/release-files.ts finds files the same way
// in both). Plain Node: runs before anything else is built.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBuilt, ensureInstalled, root } from './lib/bootstrap.mjs';

const HELP = `Usage: npm run pack -- [--out DIR] [--json]

Builds what changed, then writes openase-<version>.tgz to DIR (default: the repository root).
Install it anywhere with: npm i -g ./openase-<version>.tgz   (then: openase serve, openase-agent join …)
--json prints {"file": …, "version": …, "bytes": …}.`;

const { values } = parseArgs({
  options: { out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const log = (line) => process.stderr.write(`[pack] ${line}\n`);

// The release's files, relative to the package root (= the checkout root).
const FILES = [
  'README.md',
  'control-plane/bin/openase.mjs',
  // The entry (openase.mjs) and the chunks it loads on demand (control-plane/build.mjs), with their maps.
  'control-plane/dist',
  'control-plane/drizzle',
  'agent-daemon/dist/openase-agent.cjs',
  'web/dist',
  'deploy',
  'docs/operations.md',
];
// Runtime modules the bundle leaves external (control-plane/build.mjs): shipped inside the package.
const BUNDLED = ['@electric-sql/pglite'];

ensureInstalled();
ensureBuilt();

const rootPkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const cpPkg = JSON.parse(fs.readFileSync(path.join(root, 'control-plane', 'package.json'), 'utf8'));
const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-pack-'));
try {
  for (const rel of FILES) {
    const from = path.join(root, rel);
    if (!fs.existsSync(from)) throw new Error(`missing ${rel}: the build did not produce it`);
    fs.cpSync(from, path.join(stage, rel), { recursive: true });
  }
  const dependencies = {};
  for (const name of BUNDLED) {
    // Resolved from the control plane's own node_modules (pnpm links it there), copied without symlinks.
    const from = fs.realpathSync(path.join(root, 'control-plane', 'node_modules', name));
    const to = path.join(stage, 'node_modules', name);
    fs.cpSync(from, to, {
      recursive: true,
      dereference: true,
      filter: (src) => !src.endsWith('.map') && !src.includes(`${path.sep}node_modules${path.sep}`, from.length),
    });
    dependencies[name] = cpPkg.dependencies[name];
  }
  const manifest = {
    name: rootPkg.name,
    version: rootPkg.version,
    description: rootPkg.description,
    type: 'module',
    engines: rootPkg.engines,
    bin: { openase: 'control-plane/bin/openase.mjs', 'openase-agent': 'agent-daemon/dist/openase-agent.cjs' },
    dependencies,
    bundleDependencies: Object.keys(dependencies),
  };
  fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const out = path.resolve(values.out ?? root);
  fs.mkdirSync(out, { recursive: true });
  const packed = spawnSync('npm', ['pack', '--json', '--pack-destination', out], {
    cwd: stage,
    encoding: 'utf8',
    env: { ...process.env, npm_config_ignore_scripts: 'true' },
  });
  if (packed.status !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
  const [info] = JSON.parse(packed.stdout);
  const file = path.join(out, info.filename);
  const bytes = fs.statSync(file).size;
  if (values.json) console.log(JSON.stringify({ file, version: manifest.version, bytes }));
  else log(`wrote ${file} (${(bytes / 1048576).toFixed(1)} MiB); install it with: npm i -g ${file}`);
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}
