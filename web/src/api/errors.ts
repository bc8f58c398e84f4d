import { TRPCClientError } from '@trpc/client';

/**
 * No control plane answered the call: it is down or restarting, the network dropped, or a proxy
 * answered for it (an HTML 502, an EventSource that gave up: "Unknown error"). Answers from the
 * control plane always carry tRPC error data.
 */
export function isUnreachable(err: unknown): boolean {
  return err instanceof TRPCClientError && !err.data;
}

/**
 * The call failed for a while only: no control plane answered, or it answered that it is shutting
 * down (`UNAVAILABLE`, e.g. a diff asked of a machine while the control plane stops). The same call
 * works once the console's live stream is back.
 */
export function comesBack(err: unknown): boolean {
  return isUnreachable(err) || errorCode(err) === 'UNAVAILABLE';
}

/**
 * The server's messages end with a CLI hint for terminal users ("…; `openase project list` shows
 * the projects"); the console drops that clause: its own pages are the way forward there.
 */
export function withoutCliHint(message: string): string {
  return message.replace(/[;,]\s*[^;]*`openase [^`]*`[^;]*$/, '').replace(/\s*\(?`openase [^`]*`\)?\.?$/, '');
}

/** Errors a retry cannot fix: what was asked for does not exist, or is not yours to see. */
export function isPermanent(message: string): boolean {
  return /does not exist|not found|is not a member|not allowed|no access/i.test(message);
}

/** One line a person can act on, from whatever a call threw. */
export function errorMessage(err: unknown): string {
  if (err instanceof TRPCClientError) {
    if (isUnreachable(err)) return 'cannot reach the server; check that it is running and try again';
    return withoutCliHint(err.message);
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
