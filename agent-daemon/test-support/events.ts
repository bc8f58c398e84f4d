import { runEventSchema, type RunEvent, type RunEventOf, type RunEventType } from '@openase/shared';

/** Collects a session's events, checking each against the shared schema as it arrives. */
export function collectEvents() {
  const events: RunEvent[] = [];
  const invalid: unknown[] = [];
  return {
    events,
    invalid,
    onEvent: (event: RunEvent) => {
      if (!runEventSchema.safeParse(event).success) invalid.push(event);
      events.push(event);
    },
    of<T extends RunEventType>(type: T): RunEventOf<T>[] {
      return events.filter((event) => event.type === type) as RunEventOf<T>[];
    },
  };
}
