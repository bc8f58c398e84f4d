// The daemon bundle's esbuild options, shared by build.mjs (what ships) and the tests' bundle
// (test-kit/src/daemon-process.ts). The agent's `openase` CLI is the control plane's client CLI
// (control-plane/src/cli/agent.ts), bundled in under the alias `@openase/agent-cli` and loaded
// only by `openase-agent platform …`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const agentCliEntry = path.join(here, '..', 'control-plane', 'src', 'cli', 'agent.ts');

/** @returns {import('esbuild').BuildOptions} */
export function daemonBuildOptions(outfile) {
  return {
    entryPoints: [path.join(here, 'src/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    alias: { '@openase/agent-cli': agentCliEntry },
    // ws' optional native helpers; ssh2's cpu-features (if ever pulled in).
    external: ['bufferutil', 'utf-8-validate', 'cpu-features', '*.node'],
    banner: { js: '#!/usr/bin/env node' },
    logLevel: 'warning',
  };
}
