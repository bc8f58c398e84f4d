import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runEventSchema, type RunEvent } from '@openase/shared/events/run-events';
import { expect } from 'vitest';

/** Lines of a captured CLI output file beside an adapter (`<adapter>/fixtures/<name>`). */
export function fixtureLines(adapterDir: string, name: string): string[] {
  return readFileSync(path.join(adapterDir, 'fixtures', name), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

/** Lines the CLI printed in a captured protocol session (`{"dir":"in","m"|"msg":…}` records). */
export function protocolInLines(adapterDir: string, name: string): string[] {
  return fixtureLines(adapterDir, name)
    .map((line) => JSON.parse(line) as { dir?: string; m?: unknown; msg?: unknown })
    .filter((record) => record.dir === 'in')
    .map((record) => JSON.stringify(record.m ?? record.msg));
}

/**
 * Checks every event a mapper produced against the wire schema (a failure names the event) and returns
 * `of(type)`: the events of one type.
 */
export function checkedEvents(events: RunEvent[]) {
  for (const event of events) expect(runEventSchema.safeParse(event).success, JSON.stringify(event)).toBe(true);
  return <T extends RunEvent['type']>(type: T) =>
    events.filter((e) => e.type === type) as Extract<RunEvent, { type: T }>[];
}
