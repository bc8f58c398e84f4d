import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ActivityEntry, ActivityInput } from '../activity/activity.js';
import { createChangeBus } from './change-bus.js';
import { ACTIVITY_ACTIONS, DOMAIN_EVENTS, eventOf, onDomainEvents, type DomainEvent } from './domain-events.js';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && e.name !== 'domain-events.ts' ? [full] : [];
  });
}

/** Actions written from a union, not as literals: `run.${verb}`, `ticket.${review.state}`. */
const TEMPLATED = new Set([
  'run.approved',
  'run.declined',
  'ticket.approved',
  'ticket.changes_requested',
  'ticket.merge_conflict',
]);

function entry(action: string, after: unknown): ActivityEntry {
  return {
    id: 1,
    orgId: 'org',
    projectId: 'p1',
    seq: 1,
    ticketId: 't1',
    actorType: 'system',
    actorId: 'orchestrator',
    actorName: 'orchestrator',
    action,
    entityType: 'run',
    entityId: 'r1',
    summary: '',
    before: null,
    after,
    createdAt: new Date(),
  };
}

describe('domain events', () => {
  it('every action of the vocabulary, and so every event, is recorded somewhere', () => {
    const code = sources(src)
      .map((f) => fs.readFileSync(f, 'utf8'))
      .join('\n');
    const missing = ACTIVITY_ACTIONS.filter((a) => !TEMPLATED.has(a) && !code.includes(`'${a}'`));
    expect(missing).toEqual([]);
    expect(Object.keys(DOMAIN_EVENTS).filter((name) => !code.includes(`'${name}'`))).toEqual([]);
  });

  it('parses an entry into its typed payload, and drops one whose payload does not match', () => {
    expect(eventOf(entry('run.dispatched', { machineId: 'm1', run: 'r1' }))).toEqual({
      name: 'run.dispatched',
      projectId: 'p1',
      ticketId: 't1',
      entityId: 'r1',
      machineId: 'm1',
    });
    expect(eventOf(entry('run.dispatched', { machine: 'box' }))).toBeNull();
    expect(eventOf(entry('comment.added', {}))).toBeNull(); // in the log, not an event
  });

  it('delivers to a subscriber only the events it named', () => {
    const bus = createChangeBus();
    const seen: DomainEvent<'ticket.moved' | 'run.dispatched'>[] = [];
    const off = onDomainEvents(bus, ['ticket.moved', 'run.dispatched'], (e) => seen.push(e));
    bus.publishActivity([
      entry('ticket.created', {}),
      entry('ticket.moved', {}),
      entry('run.dispatched', { machineId: 'm1' }),
    ]);
    off();
    bus.publishActivity([entry('ticket.moved', {})]);
    expect(seen.map((e) => e.name)).toEqual(['ticket.moved', 'run.dispatched']);
  });

  it('refuses at compile time a route nothing emits and an event without its payload', () => {
    const bus = createChangeBus();
    // @ts-expect-error nothing records `dependency.added`: not an event of the catalogue
    onDomainEvents(bus, ['dependency.added'], () => {});
    const unknown: ActivityInput = {
      projectId: null,
      // @ts-expect-error the log's vocabulary has no such action
      action: 'run.ended',
      entityType: 'run',
      entityId: 'r',
      summary: '',
    };
    const noMachine: ActivityInput<'run.dispatched'> = {
      projectId: null,
      action: 'run.dispatched',
      entityType: 'run',
      entityId: 'r',
      summary: '',
      // @ts-expect-error `run.dispatched` must name the machine its run is queued for
      after: { run: 'r' },
    };
    expect([unknown, noMachine]).toHaveLength(2);
  });
});
