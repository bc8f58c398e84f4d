// The daemon bundle's esbuild options, shared by build.mjs (what ships) and the tests' bundle
// (test-kit/src/daemon-process.ts). The agent's `openase` CLI is the control plane's client CLI
// (control-plane/src/cli/agent.ts), loaded only by `openase-agent platform …` under the name
// `@openase/agent-cli`.
//
// Memory (docs/performance.md, "Daemon idle RSS"): the CLI is bundled on its own and carried in the
// daemon's file as brotli-compressed text, compiled only when `platform` runs. Bundled in as code it
// cost the idle daemon ~3.5 MiB even though it never ran (V8 parses the whole script, and the CLI was
// over half of it). The file is also kept ASCII: a script with one character beyond Latin-1 (a
// comment's dash, a regex's accented letters) is held by V8 as two bytes a character.
import path from 'node:path';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
export const agentCliEntry = path.join(here, '..', 'control-plane', 'src', 'cli', 'agent.ts');

/** What the daemon's bundle and the CLI's have in common. */
const nodeBundle = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // ws' optional native helpers; ssh2's cpu-features (if ever pulled in).
  external: ['bufferutil', 'utf-8-validate', 'cpu-features', '*.node'],
  logLevel: 'warning',
};

/** @returns {import('esbuild').BuildOptions} */
export function daemonBuildOptions(outfile) {
  return {
    ...nodeBundle,
    entryPoints: [path.join(here, 'src/main.ts')],
    outfile,
    banner: { js: '#!/usr/bin/env node' },
    plugins: [packedAgentCli, asciiOutput],
  };
}

/** `@openase/agent-cli` → a module holding the CLI's own bundle, compressed, compiled on first use. */
const packedAgentCli = {
  name: 'packed-agent-cli',
  setup(b) {
    b.onResolve({ filter: /^@openase\/agent-cli$/ }, () => ({ path: 'agent-cli', namespace: 'packed-agent-cli' }));
    b.onLoad({ filter: /.*/, namespace: 'packed-agent-cli' }, async () => {
      const result = await build({ ...nodeBundle, entryPoints: [agentCliEntry], write: false, metafile: true });
      const code = result.outputFiles[0].contents;
      const packed = zlib
        .brotliCompressSync(code, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 9 } })
        .toString('base64');
      return {
        loader: 'js',
        contents: loaderSource(packed),
        // A change to the CLI's sources rebuilds the daemon in watch mode too.
        watchFiles: Object.keys(result.metafile.inputs).map((p) => path.resolve(p)),
      };
    });
  },
};

function loaderSource(packed) {
  return `
const { brotliDecompressSync } = require('node:zlib');
const vm = require('node:vm');
const PACKED = ${JSON.stringify(packed)};
let cli;
exports.runAgentCli = (argv, io) => {
  if (!cli) {
    const code = brotliDecompressSync(Buffer.from(PACKED, 'base64')).toString('utf8');
    const mod = { exports: {} };
    const params = ['exports', 'require', 'module', '__filename', '__dirname'];
    vm.compileFunction(code, params, { filename: __filename + ' (agent CLI)' })(mod.exports, require, mod, __filename, __dirname);
    cli = mod.exports;
  }
  return cli.runAgentCli(argv, io);
};
`;
}

/** Escapes what esbuild leaves non-ASCII (comments, regular expressions) once the bundle is written. */
const asciiOutput = {
  name: 'ascii-output',
  setup(b) {
    b.onEnd((result) => {
      const outfile = b.initialOptions.outfile;
      if (result.errors.length || !outfile || b.initialOptions.write === false) return;
      const text = fs.readFileSync(outfile, 'utf8');
      // eslint-disable-next-line no-control-regex
      const ascii = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
      if (ascii === text) return;
      // An escape means the same everywhere except in a `String.raw` template: refuse rather than change one.
      if (text.includes('String.raw'))
        throw new Error(`${outfile}: String.raw and characters beyond ASCII; escape them in the source instead`);
      fs.writeFileSync(outfile, ascii);
    });
  },
};
