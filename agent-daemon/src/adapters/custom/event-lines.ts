/**
 * The custom adapter's contract: each stdout line is one normalized run event as JSON
 * (`shared/src/events/run-events.ts`). A valid event is passed on; anything else — text, broken
 * JSON, an unknown type, a missing field — is kept as a `raw` event. `turn.started` and
 * `turn.finished` belong to the daemon, so a program's own are kept as raw too.
 */
import { runEventSchema, type RunEvent } from '@openase/shared/events/run-events';
import { rawEvent } from '../common/cli-process.js';
import { parseJsonObject } from '../common/json-lines.js';

export function parseCustomLine(line: string, turn: number): RunEvent {
  const value = parseJsonObject(line);
  if (!value) return rawEvent('custom', line);
  const parsed = runEventSchema.safeParse(value);
  if (!parsed.success) return rawEvent('custom', line);
  const event = parsed.data;
  if (event.type === 'turn.started' || event.type === 'turn.finished') return rawEvent('custom', line);
  if ((event.type === 'usage' || event.type === 'cost') && event.turn === undefined) return { ...event, turn };
  return event;
}
