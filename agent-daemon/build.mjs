// Bundles the daemon into one CommonJS file: dist/openase-agent.cjs (runs on any Node >= 20;
// the control plane serves it at /agent/download and uploads it to SSH machines).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
await build({
  entryPoints: [path.join(here, 'src/main.ts')],
  outfile: path.join(here, 'dist/openase-agent.cjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // ws' optional native helpers; ssh2's cpu-features (if ever pulled in).
  external: ['bufferutil', 'utf-8-validate', 'cpu-features', '*.node'],
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
