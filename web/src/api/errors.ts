import { TRPCClientError } from '@trpc/client';

/** The call never reached the server (it is down or restarting, or the network dropped). */
export function isUnreachable(err: unknown): boolean {
  return err instanceof TRPCClientError && !err.data && /fetch|network|Failed/i.test(err.message);
}

/** One line a person can act on, from whatever a call threw. */
export function errorMessage(err: unknown): string {
  if (err instanceof TRPCClientError) {
    if (isUnreachable(err)) return 'cannot reach the server; check that it is running and try again';
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

export function errorCode(err: unknown): string | null {
  if (err instanceof TRPCClientError) return (err.data as { appCode?: string } | undefined)?.appCode ?? null;
  return null;
}

/** The structured details an OpenaseError carried (for example `problems` of a refused harness). */
export function errorDetails(err: unknown): Record<string, unknown> | null {
  if (err instanceof TRPCClientError)
    return (err.data as { details?: Record<string, unknown> } | undefined)?.details ?? null;
  return null;
}
