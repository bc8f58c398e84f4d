// Bundles the control plane and its CLI: dist/openase.mjs and the chunks it loads on demand
// (dist/chunk-*.mjs, beside it so every chunk's import.meta.url is in dist/ as before). A client
// command (`openase ticket show`) loads only the entry and the client code; `serve`, `doctor` and the
// db commands import the server when they run (docs/performance.md: CLI start).
// PGlite stays external: it loads its WASM and data files relative to its own module.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';

// `import text from './FILE?raw'` bundles the file's text (built-in skills, workflow templates).
const rawText = {
  name: 'raw-text',
  setup(b) {
    b.onResolve({ filter: /\?raw$/ }, (args) => ({
      path: path.resolve(args.resolveDir, args.path.replace(/\?raw$/, '')),
      namespace: 'raw-text',
    }));
    b.onLoad({ filter: /.*/, namespace: 'raw-text' }, (args) => ({
      contents: fs.readFileSync(args.path, 'utf8'),
      loader: 'text',
      watchFiles: [args.path],
    }));
  },
};

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, 'dist');
// Chunks are named by content hash: drop the previous build's.
if (fs.existsSync(dist))
  for (const f of fs.readdirSync(dist)) if (f.startsWith('chunk-')) fs.rmSync(path.join(dist, f));
const result = await build({
  entryPoints: { openase: path.join(here, 'src/main.ts') },
  outdir: dist,
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'chunk-[hash]',
  metafile: true,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  external: ['@electric-sql/pglite', 'cpu-features', '*.node'],
  banner: {
    // CommonJS dependencies bundled into ESM need these.
    js: "import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);",
  },
  plugins: [rawText],
  logLevel: 'warning',
});
// What a client command loads: the entry and its static imports (BUILD_REPORT=1 prints their sizes).
if (process.env.BUILD_REPORT) {
  const outputs = result.metafile.outputs;
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const i of outputs[file]?.imports ?? []) if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  visit(path.relative(process.cwd(), path.join(dist, 'openase.mjs')));
  const kib = (f) => Math.round(outputs[f].bytes / 1024);
  console.log(`entry and its static chunks: ${[...seen].map((f) => `${path.basename(f)} ${kib(f)} KiB`).join(', ')}`);
  const all = Object.keys(outputs).filter((f) => f.endsWith('.mjs'));
  console.log(`all: ${all.length} files, ${all.reduce((s, f) => s + kib(f), 0)} KiB`);
  if (process.env.BUILD_REPORT === 'inputs')
    for (const f of seen) {
      const top = Object.entries(outputs[f].inputs)
        .sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)
        .slice(0, 12)
        .map(([i, v]) => `${i.replace(/.*node_modules\//, '')} ${Math.round(v.bytesInOutput / 1024)}`);
      console.log(`${path.basename(f)}: ${top.join(', ')}`);
    }
}
