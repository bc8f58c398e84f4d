// Bundles the daemon into one CommonJS file: dist/openase-agent.cjs (runs on any Node >= 20;
// the control plane serves it at /agent/download and uploads it to SSH machines). It carries
// the agent's `openase` CLI (build-options.mjs).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { daemonBuildOptions } from './build-options.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
await build(daemonBuildOptions(path.join(here, 'dist/openase-agent.cjs')));
