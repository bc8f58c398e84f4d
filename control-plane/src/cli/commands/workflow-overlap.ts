/**
 * Two active workflows picking up the same status share it silently: the dispatcher gives its tickets to the first
 * by name (orchestrator/gates.ts), so a new `dev` picking up Todo takes Todo's tickets from `full-stack-developer`.
 * After a workflow is created, imported or activated the CLI says so, on stderr.
 */
import { sharedPickups } from '@openase/shared';
import type { ApiClient } from '../client.js';
import type { CommandIo } from '../command.js';

export interface PickupOf {
  name: string;
  active: boolean;
  pickup: string[];
}

/** One note per status a workflow named in `saved` shares with another active workflow (shared `sharedPickups`). */
export function sharedPickupNotes(workflows: PickupOf[], saved: string[]): string[] {
  return sharedPickups(workflows)
    .filter((shared) => shared.workflows.some((name) => saved.includes(name)))
    .map(
      ({ status, workflows: sharing }) =>
        `note: ${sharing.join(' and ')} ${sharing.length === 2 ? 'both' : 'all'} pick up ${status}; its tickets go to ${sharing[0]} (the first by name). ` +
        'Change a pickup (`openase workflow export`, edit, `import`) or deactivate one (`openase workflow deactivate NAME`).',
    );
}

/** Prints the notes for the workflows just saved; says nothing when the list cannot be read (the save stands). */
export async function warnSharedPickup(io: CommandIo, api: ApiClient, project: string, saved: string[]): Promise<void> {
  try {
    const list = await api.workflows.list.query({ project });
    for (const note of sharedPickupNotes(list, saved)) io.err(note);
  } catch {
    // Best effort: a run token without workflows.read, a server gone away — the save itself succeeded.
  }
}
