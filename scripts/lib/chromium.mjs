// The command-line flags headless Chromium is launched with by the browser tests (web/test/e2e/harness.ts)
// and the board benchmark (scripts/bench/board-load.mjs): no sandbox, GPU or QUIC, nothing in the background.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
