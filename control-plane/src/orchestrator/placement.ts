/**
 * Which machine gets a run, among those the pickup gates found eligible (connected, with the
 * labels and the CLI, a free slot — see gates.ts): prefer the machine that already holds the
 * ticket's worktree (warm: no clone, the CLI's session files are there), then the least loaded
 * (used slots relative to its size), then the name for a stable order.
 */
export interface PlacementCandidate {
  id: string;
  name: string;
  slots: number;
  activeRuns: number;
}

export function chooseMachine<M extends PlacementCandidate>(
  eligible: readonly M[],
  warmMachineId?: string | null,
): M | null {
  return (
    rankMachines(
      eligible.filter((m) => m.activeRuns < m.slots),
      warmMachineId,
    )[0] ?? null
  );
}

/** The candidates best first (warm, then least loaded, then by name), full ones included. */
export function rankMachines<M extends PlacementCandidate>(
  candidates: readonly M[],
  warmMachineId?: string | null,
): M[] {
  return [...candidates].sort((a, b) => {
    const warm = Number(b.id === warmMachineId) - Number(a.id === warmMachineId);
    if (warm) return warm;
    const load = a.activeRuns / a.slots - b.activeRuns / b.slots;
    if (load) return load;
    return a.name.localeCompare(b.name);
  });
}
