#!/usr/bin/env node
// The `openase` binary: runs the bundled control plane/CLI (built by `npm start` or `pnpm -r build`).
import '../dist/openase.mjs';
