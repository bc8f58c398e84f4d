// Benchmark: initial load of a board with 500 tickets in headless Chromium (not a test: it prints
// figures). Starts the built control plane on port 0 with a fresh data dir, creates the tickets
// through the API, signs in with the one-time link, then loads the board several times and
// measures: navigation → every card in view rendered (a long column renders only those: every
// column holds its share of the tickets and its cards reach its bottom edge, or are all there), the
// main thread's long tasks during that load (total blocking time), a search keystroke → filtered
// board, and the biggest column scrolled to its end → its last card on screen. Same-run baseline: a
// board of 10 tickets, loaded just before each measured load.
//   node scripts/bench/board-load.mjs [--tickets 500] [--runs 5] [--database-url postgres://…]
// (the URL names a scratch database the server may fill; default the embedded database)
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { CHROMIUM_ARGS } from '../lib/chromium.mjs';
import { prepareBrowserBench, serveForBrowser } from './browser-server.mjs';

const { values } = parseArgs({
  options: {
    tickets: { type: 'string', default: '500' },
    runs: { type: 'string', default: '5' },
    'database-url': { type: 'string', default: '' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  // The header comment above is the help: what is measured and how.
  const text = fs.readFileSync(new URL(import.meta.url), 'utf8').split('\nimport ')[0];
  process.stdout.write(`${text.replace(/^\/\/ ?/gm, '')}\n`);
  process.exit(0);
}
const ticketCount = Number(values.tickets);
const runs = Number(values.runs);
const { chromium, home, profile } = prepareBrowserBench();
const { url, signIn, token, stop } = await serveForBrowser({ home, databaseUrl: values['database-url'] });
const call = async (procedure, input) => {
  const res = await fetch(`${url}/trpc/${procedure}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  if (!res.ok) throw new Error(`${procedure}: ${res.status} ${await res.text()}`);
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** In the page: the board holds `n` tickets and every column shows the cards in its view. */
const visibleCardsRendered = (n) => {
  const columns = [...document.querySelectorAll('[data-test=column] .cards')];
  if (columns.reduce((sum, c) => sum + Number(c.dataset.total ?? 0), 0) !== n) return false;
  return columns.every((c) => {
    const cards = c.querySelectorAll('[data-test=card]');
    if (cards.length === Number(c.dataset.total)) return true;
    return (
      cards.length > 0 && cards[cards.length - 1].getBoundingClientRect().bottom >= c.getBoundingClientRect().bottom
    );
  });
};

try {
  await call('projects.create', { name: 'Base', ticketPrefix: 'BAS' });
  for (let i = 0; i < 10; i++) await call('tickets.create', { project: 'base', title: `Baseline ticket ${i + 1}` });
  await call('projects.create', { name: 'Bench', ticketPrefix: 'BEN' });
  const statuses = ['Backlog', 'Todo', 'In Progress', 'In Review', 'Done'];
  const priorities = ['urgent', 'high', 'medium', 'low', 'none'];
  process.stderr.write(`[bench] creating ${ticketCount} tickets…\n`);
  for (let i = 0; i < ticketCount; i += 50) {
    if (i && i % 1000 === 0) process.stderr.write(`[bench] ${i} tickets created\n`);
    await Promise.all(
      Array.from({ length: Math.min(50, ticketCount - i) }, (_, j) =>
        call('tickets.create', {
          project: 'bench',
          title: `Ticket number ${i + j + 1} with a realistic title length`,
          status: statuses[(i + j) % 5],
          priority: priorities[(i + j) % 5],
          labels: [`area-${(i + j) % 7}`, 'bench'],
        }),
      ),
    );
  }
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
  await page.goto(signIn);
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => window.__longTasks.push(...list.getEntries().map((e) => e.duration))).observe({
      type: 'longtask',
      buffered: true,
    });
  });
  const loads = [];
  const baselines = [];
  const blocking = [];
  const filters = [];
  const scrolls = [];
  const rendered = [];
  // A wait that times out says what the page showed and which errors it logged.
  const waitFor = (fn, arg, timeout) =>
    page.waitForFunction(fn, arg, { timeout }).catch(async (err) => {
      const text = await page.evaluate(() => document.body.innerText.slice(0, 400)).catch(() => '?');
      throw new Error(`${err.message}\npage: ${text}\nerrors: ${pageErrors.slice(0, 5).join(' | ')}`);
    });
  for (let r = 0; r < runs; r++) {
    const base = Date.now();
    await page.goto(`${url}/p/base/board`);
    await waitFor(visibleCardsRendered, 10, 60_000);
    baselines.push(Date.now() - base);
    const start = Date.now();
    await page.goto(`${url}/p/bench/board`);
    await waitFor(visibleCardsRendered, ticketCount, 60_000);
    loads.push(Date.now() - start);
    blocking.push(await page.evaluate(() => window.__longTasks.reduce((sum, d) => sum + Math.max(0, d - 50), 0)));
    rendered.push(await page.evaluate(() => document.querySelectorAll('[data-test=card]').length));
    // The biggest column scrolled to its end: its last card (the oldest ticket of that status) on screen.
    const scrolled = Date.now();
    await page.evaluate(() => {
      const columns = [...document.querySelectorAll('[data-test=column] .cards')];
      const biggest = columns.sort((a, b) => Number(b.dataset.total) - Number(a.dataset.total))[0];
      biggest.dataset.scrolled = 'yes';
      biggest.scrollTop = biggest.scrollHeight;
    });
    // The column loads its next pages as it is scrolled (web/src/tickets/board-pages.ts): keep scrolling to the end,
    // as a person would, until the last card is there.
    await page.waitForFunction(
      () => {
        const c = document.querySelector('[data-scrolled=yes]');
        c.scrollTop = c.scrollHeight;
        const last = [...c.querySelectorAll('[data-test=card]')].at(-1);
        return (
          last &&
          !c.querySelector('.window-spacer:last-child') &&
          last.getBoundingClientRect().top < c.getBoundingClientRect().bottom
        );
      },
      null,
      { timeout: 30_000 },
    );
    scrolls.push(Date.now() - scrolled);
    const typed = Date.now();
    await page.fill('input[aria-label="Search tickets"]', 'number 42 with');
    await page.waitForFunction(() => document.querySelectorAll('[data-test=card]').length === 1, null, {
      timeout: 30_000,
    });
    filters.push(Date.now() - typed);
  }
  await context.close();
  const result = {
    tickets: ticketCount,
    runs,
    loadToAllCardsMs: { median: median(loads), all: loads },
    baselineLoadMs: { tickets: 10, median: median(baselines), all: baselines },
    cardsInDom: { median: median(rendered), all: rendered },
    totalBlockingTimeMs: { median: median(blocking), all: blocking },
    searchToFilteredMs: { median: median(filters), all: filters },
    scrollToLastCardMs: { median: median(scrolls), all: scrolls },
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await stop();
  fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(profile, { recursive: true, force: true });
}
