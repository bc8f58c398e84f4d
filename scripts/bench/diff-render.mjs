// Benchmark: the drawer's Changes tab on big diffs, in headless Chromium (not a test: it prints
// figures). Starts the built control plane (with its `local` machine, which computes diffs) on a
// fresh data dir and a bare git remote holding three ticket branches: 10 added lines (the same-run
// baseline), 5,000 added lines, and a 50 MB file. Measures, per load of the ticket's page:
// the diff's answer → its rows on screen (`openase:diff-render`, marked by the console) and
// navigation → rows on screen; for the 50 MB branch: the API's answer time and size, the "too large"
// state in the drawer, the server's RSS before and after, and /api/health latency meanwhile.
//   node scripts/bench/diff-render.mjs [--runs 5]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { root } from '../lib/bootstrap.mjs';
import { prepareBrowserBench, serveForBrowser } from './browser-server.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
const { chromium, home, profile } = prepareBrowserBench();
const gitBase = fs.mkdtempSync(path.join(os.tmpdir(), 'openase-bench-git-'));
const git = (args, cwd) =>
  execFileSync('git', ['-c', 'user.name=Bench', '-c', 'user.email=bench@example.invalid', ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rssMiB = (pid) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : null;
};

/** The remote: `main` with a README; the agent's runs push the ticket branches. */
function makeRemote() {
  const bare = path.join(gitBase, 'origin.git');
  const work = path.join(gitBase, 'work');
  git(['init', '--quiet', '--bare', '-b', 'main', bare]);
  git(['init', '--quiet', '-b', 'main', work]);
  fs.writeFileSync(path.join(work, 'README.md'), '# bench\n');
  git(['add', '.'], work);
  git(['commit', '--quiet', '-m', 'initial'], work);
  git(['remote', 'add', 'origin', bare], work);
  git(['push', '--quiet', 'origin', 'main'], work);
  return { url: `file://${bare}` };
}

const HUGE_BYTES = 50 * 1024 * 1024;
/** A node program writing N lines of code-like text (64 bytes each) to FILE. */
const generate = (file, n) => [
  'node',
  '-e',
  `const fs=require('fs');const fd=fs.openSync(${JSON.stringify(file)},'w');let s='';` +
    `for(let i=0;i<${n};i++){s+=('const value'+i+' = compute('+i+', '+(i%40)+');').padEnd(63,' ')+'\\n';` +
    `if(s.length>1e6){fs.writeSync(fd,s);s=''}}fs.writeSync(fd,s);fs.closeSync(fd)`,
];
/** The stand-in agent: by the ticket's title, 10 lines, 5,000 lines or 50 MB, then In Review. */
const SCRIPT = {
  steps: [
    {
      when: { input: 'Huge diff' },
      then: [{ run: generate('huge.js', HUGE_BYTES / 64) }],
      else: [
        {
          when: { input: 'Big diff' },
          then: [{ run: generate('big.js', 5000) }],
          else: [{ run: generate('small.js', 10) }],
        },
      ],
    },
    { run: '"$OPENASE_WORKSPACE/.openase/bin/openase" move "In Review"' },
    { text: 'done' },
  ],
};
const STAND_IN = path.join(root, 'test-kit', 'src', 'stand-in-agent.mjs');

const remote = makeRemote();
const { server, url, signIn, token, output, stop } = await serveForBrowser({ home, databaseUrl: '' });
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const call = async (procedure, input) => {
  const res = await fetch(`${url}/trpc/${procedure}`, { method: 'POST', headers, body: JSON.stringify(input) });
  if (!res.ok) throw new Error(`${procedure}: ${res.status} ${await res.text()}`);
  return (await res.json()).result.data;
};
const query = async (procedure, input) => {
  const res = await fetch(`${url}/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers });
  const text = await res.text();
  if (!res.ok) throw new Error(`${procedure}: ${res.status} ${text.slice(0, 500)}`);
  return { data: JSON.parse(text).result.data, bytes: text.length };
};

try {
  for (let i = 0; ; i++) {
    const m = await query('machines.show', { name: 'local' }).catch(() => null);
    if (m?.data.status === 'online') break;
    if (i > 600) throw new Error('machine local did not come online');
    await new Promise((r) => setTimeout(r, 200));
  }
  await call('projects.create', { name: 'Bench', ticketPrefix: 'BEN' });
  await call('repositories.add', { project: 'bench', name: 'app', url: remote.url, defaultBranch: 'main' });
  await call('agents.create', {
    project: 'bench',
    name: 'stand-in',
    adapter: 'custom',
    command: process.execPath,
    args: [STAND_IN],
    env: { STAND_IN_SCRIPT_JSON: JSON.stringify(SCRIPT) },
  });
  await call('workflows.create', { project: 'bench', template: 'full-stack', agent: 'stand-in' });
  for (const title of ['Small diff', 'Big diff', 'Huge diff'])
    await call('tickets.create', { project: 'bench', title, status: 'Todo' });
  process.stderr.write('[bench] waiting for the agent runs to push the three branches…\n');
  for (const id of ['BEN-1', 'BEN-2', 'BEN-3'])
    for (let i = 0; ; i++) {
      const t = await query('tickets.show', { ticket: id });
      if (t.data.status.name === 'In Review') break;
      if (i > 1500) throw new Error(`${id} did not reach In Review:\n${output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }

  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    viewport: { width: 1400, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(signIn);
  await page.waitForURL(/\/p\/|\/projects/);

  /** Resolves once the page has set the performance mark (or measure) `name`. */
  const waitForMark = (name) =>
    page.waitForFunction((n) => performance.getEntriesByName(n).length > 0, name, { timeout: 120_000 });

  /** Waits for the mark `name`, then the ms from the diff's data arriving ('openase:diff-data') to it. */
  async function msFromDataTo(name) {
    await waitForMark(name);
    return page.evaluate(
      (n) =>
        performance.getEntriesByName(n)[0].startTime - performance.getEntriesByName('openase:diff-data')[0].startTime,
      name,
    );
  }

  /** Opens the ticket's page; resolves when its diff rows are on screen. */
  async function renderOnce(identifier, addedLines) {
    const start = Date.now();
    await page.goto(`${url}/p/bench/board/${identifier}`);
    await waitForMark('openase:diff-render');
    const total = Date.now() - start;
    const render = await page.evaluate(() => performance.getEntriesByName('openase:diff-render')[0].duration);
    // A long file's first screens come first, all its rows on the next turn: the time until all are there.
    let complete = render;
    if (addedLines > 300) {
      complete = await msFromDataTo('openase:diff-complete');
    }
    const rows = await page.locator('[data-test=drawer] tr.diff-add').count();
    if (rows !== addedLines) throw new Error(`${identifier}: ${rows} added rows on screen, expected ${addedLines}`);
    // A big file is shown plain, then highlighted in slices: the time until it is coloured.
    let highlighted = null;
    if (addedLines > 1500) {
      highlighted = await msFromDataTo('openase:diff-highlighted');
      const colored = await page
        .locator('[data-test=drawer] tr.diff-add .hljs-variable, [data-test=drawer] tr.diff-add [class^=hljs-]')
        .count();
      if (!colored) throw new Error(`${identifier}: no highlighted token after the highlighted mark`);
    }
    return {
      render: Math.round(render),
      complete: Math.round(complete),
      total,
      highlighted: highlighted === null ? null : Math.round(highlighted),
    };
  }
  const small = { render: [], complete: [], total: [], highlighted: [] };
  const big = { render: [], complete: [], total: [], highlighted: [] };
  await renderOnce('BEN-1', 10); // warm-up: caches, the code-split chunks
  for (let r = 0; r < runs; r++) {
    for (const [id, n, into] of [
      ['BEN-1', 10, small],
      ['BEN-2', 5000, big],
    ]) {
      const m = await renderOnce(id, n);
      into.render.push(m.render);
      into.total.push(m.total);
      into.complete.push(m.complete);
      if (m.highlighted !== null) into.highlighted.push(m.highlighted);
    }
  }

  // 50 MB: the API answers with the cap, the drawer says "too large", the server stays responsive.
  const rssBefore = rssMiB(server.pid);
  const pings = [];
  let pinging = true;
  const pinger = (async () => {
    while (pinging) {
      const t = Date.now();
      await fetch(`${url}/api/health`);
      pings.push(Date.now() - t);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const t = Date.now();
  const huge = await query('tickets.diff', { ticket: 'BEN-3' });
  const hugeMs = Date.now() - t;
  pinging = false;
  await pinger;
  const rssAfter = rssMiB(server.pid);
  if (!huge.data.tooLarge) throw new Error('the 50 MB diff was not marked too large');
  const shown = Date.now();
  await page.goto(`${url}/p/bench/board/BEN-3`);
  await page.locator('[data-test=diff-too-large]').waitFor({ timeout: 120_000 });
  const tooLargeShownMs = Date.now() - shown;
  await context.close();
  console.log(
    JSON.stringify(
      {
        runs,
        baselineLines: 10,
        lines: 5000,
        baselineRenderMs: { median: median(small.render), all: small.render },
        renderMs: { median: median(big.render), all: big.render },
        completeMs: { median: median(big.complete), all: big.complete },
        highlightedMs: { median: median(big.highlighted), all: big.highlighted },
        baselineNavigationMs: { median: median(small.total), all: small.total },
        navigationMs: { median: median(big.total), all: big.total },
        huge: {
          fileBytes: HUGE_BYTES,
          answerMs: hugeMs,
          answerBytes: huge.bytes,
          maxBytes: huge.data.maxBytes,
          tooLargeShownMs,
          serverRssMiB: { before: rssBefore, after: rssAfter },
          healthDuringMs: { max: Math.max(...pings), median: median(pings), n: pings.length },
        },
      },
      null,
      2,
    ),
  );
} finally {
  await stop();
  for (const dir of [home, profile, gitBase]) fs.rmSync(dir, { recursive: true, force: true });
}
