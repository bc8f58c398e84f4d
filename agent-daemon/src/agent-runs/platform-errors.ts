/** Errors of the agent's `openase` wrapper: bad usage exits 2, a refused or failed call exits 1. */
export class UsageError extends Error {}
export class PlatformError extends Error {}
