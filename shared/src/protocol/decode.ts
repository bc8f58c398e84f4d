/**
 * Decoding a raw frame into a validated message, with the reason when it is refused. Used by
 * both sides of every transport, so a malformed frame gets the same clear answer everywhere.
 */
import type * as z from '../zod.js';
import { MAX_FRAME_BYTES, type ProtocolErrorCode } from './messages.js';

export type Decoded<T> = { ok: true; frame: T } | { ok: false; code: ProtocolErrorCode; message: string };

export function decodeFrame<S extends z.ZodType>(
  schema: S,
  raw: string | Uint8Array,
  knownTypes: readonly string[],
): Decoded<z.infer<S>> {
  // TextEncoder/TextDecoder rather than Buffer: shared also runs in the browser.
  const size = typeof raw === 'string' ? new TextEncoder().encode(raw).length : raw.length;
  if (size > MAX_FRAME_BYTES)
    return {
      ok: false,
      code: 'frame_too_large',
      message: `frame of ${size} bytes exceeds the ${MAX_FRAME_BYTES}-byte limit`,
    };
  let value: unknown;
  try {
    value = JSON.parse(typeof raw === 'string' ? raw : new TextDecoder().decode(raw));
  } catch (err) {
    return { ok: false, code: 'malformed_frame', message: `frame is not JSON: ${(err as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, code: 'malformed_frame', message: 'frame must be a JSON object' };
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') return { ok: false, code: 'malformed_frame', message: 'frame has no "type" string' };
  if (!knownTypes.includes(type))
    return { ok: false, code: 'unknown_type', message: `unknown frame type "${type.slice(0, 50)}"` };
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(frame)'}: ${i.message}`).join('; ');
    return { ok: false, code: 'malformed_frame', message: `invalid ${type} frame: ${issues}` };
  }
  return { ok: true, frame: parsed.data };
}

export const DAEMON_FRAME_TYPES = [
  'hello',
  'heartbeat',
  'run.accept',
  'run.reject',
  'run.started',
  'run.events',
  'run.finished',
  'run.turn',
  'run.gate',
  'run.approval',
  'workspace.removed',
  'git.chunk',
  'git.reply',
  'error',
] as const;
export const CONTROL_FRAME_TYPES = [
  'welcome',
  'run.offer',
  'run.cancel',
  'run.input',
  'run.interrupt',
  'run.ack',
  'run.next',
  'run.decision',
  'workspace.remove',
  'git.request',
  'error',
] as const;
