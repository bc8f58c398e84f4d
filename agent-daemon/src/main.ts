/**
 * `openase-agent`: the worker-machine daemon. Its protocol, join flow and run supervisor are the
 * fleet capability, not yet built; this entry point only states that clearly.
 */
export const DAEMON_STATUS = 'not built yet: see docs/architecture.md (fleet)';
