/**
 * Where a run goes: among connected machines with a free slot, whose labels include every
 * required label and which have the agent's CLI installed, prefer the machine that already holds
 * the ticket's worktree (warm: no clone, the agent's session files are there), then the least
 * loaded (fewest used slots relative to its size), then the name for a stable order.
 */
export interface MachineCandidate {
  id: string;
  name: string;
  connected: boolean;
  slots: number;
  slotsUsed: number;
  labels: readonly string[];
  /** CLI names found on the machine (`claude`, `codex`, `gemini`, or a custom command's basename). */
  clis: readonly string[];
}

export interface PlacementNeed {
  labels: readonly string[];
  cli: string;
  /** The machine that ran this ticket last, if any. */
  warmMachineId?: string | null;
}

export type PlacementRefusal = 'no_connected_machine' | 'no_machine_with_labels' | 'no_machine_with_cli' | 'no_free_slot';

export function eligibleMachines(machines: readonly MachineCandidate[], need: PlacementNeed): { eligible: MachineCandidate[]; refusal: PlacementRefusal | null } {
  const connected = machines.filter((m) => m.connected);
  if (connected.length === 0) return { eligible: [], refusal: 'no_connected_machine' };
  const labelled = connected.filter((m) => need.labels.every((l) => m.labels.includes(l)));
  if (labelled.length === 0) return { eligible: [], refusal: 'no_machine_with_labels' };
  const withCli = labelled.filter((m) => m.clis.includes(need.cli));
  if (withCli.length === 0) return { eligible: [], refusal: 'no_machine_with_cli' };
  const free = withCli.filter((m) => m.slotsUsed < m.slots);
  if (free.length === 0) return { eligible: [], refusal: 'no_free_slot' };
  return { eligible: free, refusal: null };
}

export function chooseMachine(machines: readonly MachineCandidate[], need: PlacementNeed): MachineCandidate | null {
  const { eligible } = eligibleMachines(machines, need);
  if (eligible.length === 0) return null;
  return [...eligible].sort((a, b) => {
    const warm = Number(b.id === need.warmMachineId) - Number(a.id === need.warmMachineId);
    if (warm) return warm;
    const load = a.slotsUsed / a.slots - b.slotsUsed / b.slots;
    if (load) return load;
    return a.name.localeCompare(b.name);
  })[0]!;
}
