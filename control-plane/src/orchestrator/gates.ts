/**
 * The pickup gates as pure functions over plain facts: whether a ticket may be dispatched now,
 * and every reason it may not. `openase ticket why` and the dispatcher use these same functions
 * (the dispatcher with facts read under its claim transaction), so the diagnosis never drifts
 * from what really happens. Facts are loaded by ./pickup-facts.ts.
 */
import {
  ADAPTER_DEFAULT_COMMAND,
  byWorkflowName,
  excerpt,
  RUN_STATE_WORDS,
  type AgentAdapter,
  type RunState,
} from '@openase/shared';

export interface AgentFacts {
  name: string;
  adapter: AgentAdapter;
  command: string;
  maxParallelRuns: number | null;
  activeRuns: number;
  machineLabels: string[];
}

export interface WorkflowFacts {
  id: string;
  name: string;
  active: boolean;
  pickupStatusIds: string[];
  /** The same statuses by name, to say where an override's ticket would be picked up. */
  pickupStatusNames?: string[];
  maxConcurrent: number | null;
  budgetUsd: number | null;
  machineLabels: string[];
  activeRuns: number;
  agent: AgentFacts | null;
}

export interface MachineFacts {
  id: string;
  name: string;
  labels: string[];
  /** CLI names found on the machine (its `clis` inventory). */
  clis: string[];
  /** Agents' own commands the machine's daemon reported as not found (see `requiredCommand`). */
  missingCommands: string[];
  connected: boolean;
  revoked: boolean;
  slots: number;
  activeRuns: number;
}

export interface PickupFacts {
  now: Date;
  ticket: {
    identifier: string;
    archived: boolean;
    statusId: string;
    statusName: string;
    costUsd: number;
    budgetUsd: number | null;
    nextRetryAt: Date | null;
    parkedReason: string | null;
    /** Its agent's question nobody has answered yet (the dispatcher's candidates leave such a ticket out). */
    unansweredQuestion: string | null;
    /** Explicit workflow override; null = match by pickup status. */
    workflowId: string | null;
  };
  workflows: WorkflowFacts[];
  /** Tickets that block this one and are not completed. */
  /** `canceled`: in a canceled-stage status, which still blocks (kernel/lookups.ts blockerOpen). */
  unfinishedBlockers: Array<{ identifier: string; statusName: string; canceled: boolean }>;
  activeRun: { id: string; state: string } | null;
  project: { maxConcurrentRuns: number | null; activeRuns: number };
  status: { name: string; maxActiveRuns: number | null; activeRuns: number };
  machines: MachineFacts[];
}

export const PICKUP_REASONS = [
  'archived',
  'no_workflow',
  'workflow_inactive',
  'no_agent',
  'parked',
  'retry_scheduled',
  'waiting_for_answer',
  'blocked',
  'active_run',
  'budget_exhausted',
  'concurrency_workflow',
  'concurrency_project',
  'concurrency_status',
  'concurrency_agent',
  'no_machine',
  'machines_busy',
] as const;
export type PickupReasonCode = (typeof PICKUP_REASONS)[number];

export interface PickupReason {
  code: PickupReasonCode;
  message: string;
}

export interface PickupDiagnosis {
  ticket: string;
  dispatchable: boolean;
  workflow: string | null;
  agent: string | null;
  /** Machines that could take the run now (empty unless dispatchable). */
  machines: string[];
  reasons: PickupReason[];
  summary: string;
}

/** The workflow that would run the ticket: its override, else an active workflow picking up its status. */
export function selectWorkflow(facts: PickupFacts): { workflow: WorkflowFacts | null; reason: PickupReason | null } {
  const t = facts.ticket;
  if (t.workflowId) {
    const chosen = facts.workflows.find((w) => w.id === t.workflowId);
    if (!chosen)
      return { workflow: null, reason: { code: 'no_workflow', message: `its workflow override no longer exists` } };
    if (!chosen.active)
      return {
        workflow: chosen,
        reason: {
          code: 'workflow_inactive',
          message: `its workflow ${chosen.name} is inactive (\`openase workflow activate ${chosen.name}\`)`,
        },
      };
    // The override says which workflow, not that any status will do: a ticket outside its pickup statuses (a
    // scheduled job's ticket created in Backlog) waits there. Dispatching it anyway had its run canceled at once as
    // "moved outside its workflow", with nothing to retry or park, and it was dispatched again in a loop.
    if (!chosen.pickupStatusIds.includes(t.statusId)) {
      const names = chosen.pickupStatusNames?.length ? chosen.pickupStatusNames.join(' or ') : 'its pickup statuses';
      return {
        workflow: chosen,
        reason: {
          code: 'no_workflow',
          message: `its workflow ${chosen.name} picks up tickets in ${names}, and it is in ${t.statusName} (move it to be picked up)`,
        },
      };
    }
    return { workflow: chosen, reason: null };
  }
  const matching = facts.workflows.filter((w) => w.pickupStatusIds.includes(t.statusId));
  const active = matching.filter((w) => w.active).sort(byWorkflowName);
  if (active.length) return { workflow: active[0]!, reason: null };
  if (matching.length) {
    const names = matching.map((w) => w.name).join(', ');
    return {
      workflow: matching[0]!,
      reason: { code: 'workflow_inactive', message: `the workflow picking up ${t.statusName} (${names}) is inactive` },
    };
  }
  return {
    workflow: null,
    reason: { code: 'no_workflow', message: `no active workflow picks up status ${t.statusName}` },
  };
}

/**
 * What a machine must have for an agent. An adapter's own CLI by its default name is in every
 * machine's inventory (or not); any other command (a custom agent's script, a CLI at a path) is
 * the daemon's to check: it refuses an offer with "command not found" and reports the command as
 * missing in its heartbeats until it exists, so placement skips that machine meanwhile.
 */
export type RequiredCommand = { kind: 'cli'; name: string } | { kind: 'command'; command: string };

export function requiredCommand(agent: Pick<AgentFacts, 'adapter' | 'command'>): RequiredCommand {
  const cli = ADAPTER_DEFAULT_COMMAND[agent.adapter];
  return cli && (!agent.command || agent.command === cli)
    ? { kind: 'cli', name: cli }
    : { kind: 'command', command: agent.command };
}

export function machineHas(m: Pick<MachineFacts, 'clis' | 'missingCommands'>, need: RequiredCommand): boolean {
  return need.kind === 'cli' ? m.clis.includes(need.name) : !m.missingCommands.includes(need.command);
}

/** "the claude CLI", "the command /srv/bot.sh (not found on gpu-1)". */
export function describeNeed(need: RequiredCommand, missingOn: readonly string[] = []): string {
  if (need.kind === 'cli') return `the ${need.name} CLI`;
  return `the command ${need.command}${missingOn.length ? ` (not found on ${missingOn.join(', ')})` : ''}`;
}

export function eligibleMachines(
  facts: PickupFacts,
  workflow: WorkflowFacts,
  agent: AgentFacts,
): { matching: MachineFacts[]; free: MachineFacts[]; missingOn: string[] } {
  const labels = [...new Set([...workflow.machineLabels, ...agent.machineLabels])];
  const need = requiredCommand(agent);
  const candidates = facts.machines.filter(
    (m) => !m.revoked && m.connected && labels.every((l) => m.labels.includes(l)),
  );
  const matching = candidates.filter((m) => machineHas(m, need));
  return {
    matching,
    free: matching.filter((m) => m.activeRuns < m.slots),
    missingOn: candidates.filter((m) => !machineHas(m, need)).map((m) => m.name),
  };
}

/** Dollars with the precision the amount needs: $12.50, but $0.003 (not $0.00). */
export function usd(n: number): string {
  if (n === 0 || Math.abs(n) >= 0.01) return `$${n.toFixed(2)}`;
  return `$${Number(n.toPrecision(2))}`;
}
const money = usd;

export function diagnosePickup(facts: PickupFacts): PickupDiagnosis {
  const t = facts.ticket;
  const reasons: PickupReason[] = [];
  if (t.archived) reasons.push({ code: 'archived', message: 'it is archived' });
  const { workflow, reason } = selectWorkflow(facts);
  if (reason) reasons.push(reason);
  const agent = workflow?.agent ?? null;
  if (workflow && !agent)
    reasons.push({
      code: 'no_agent',
      message: `workflow ${workflow.name} names no agent (add \`agent:\` to its front matter)`,
    });
  if (t.parkedReason)
    reasons.push({
      code: 'parked',
      message: `it is parked: ${t.parkedReason} (\`openase ticket retry ${t.identifier}\` or a move un-parks it)`,
    });
  if (t.nextRetryAt && t.nextRetryAt > facts.now)
    reasons.push({ code: 'retry_scheduled', message: `a retry is scheduled at ${t.nextRetryAt.toISOString()}` });
  if (t.unansweredQuestion !== null)
    reasons.push({
      code: 'waiting_for_answer',
      message: `it waits for an answer to its agent's question: "${excerpt(t.unansweredQuestion, 120)}" (\`openase ticket answer ${t.identifier} "…"\`)`,
    });
  for (const b of facts.unfinishedBlockers)
    reasons.push({
      code: 'blocked',
      message: b.canceled
        ? `it is blocked by ${b.identifier} (in ${b.statusName}: a canceled blocker still blocks; remove the link to go on)`
        : `it is blocked by ${b.identifier} (in ${b.statusName}, not completed)`,
    });
  if (facts.activeRun) {
    // In words ("starting", not `offered`); the dispatcher's facts know only that there is one.
    const state = RUN_STATE_WORDS[facts.activeRun.state as RunState];
    reasons.push({ code: 'active_run', message: `it already has a run in progress${state ? ` (${state})` : ''}` });
  }
  if (t.budgetUsd !== null && t.costUsd >= t.budgetUsd)
    reasons.push({
      code: 'budget_exhausted',
      message: `its budget is exhausted: spent ${money(t.costUsd)} of ${money(t.budgetUsd)} (raise it: \`openase ticket update ${t.identifier} --budget USD\`)`,
    });
  if (workflow?.budgetUsd != null && t.costUsd >= workflow.budgetUsd)
    reasons.push({
      code: 'budget_exhausted',
      message: `workflow ${workflow.name}'s budget per ticket is exhausted: spent ${money(t.costUsd)} of ${money(workflow.budgetUsd)} (raise budget_usd in its harness file)`,
    });
  if (!facts.activeRun) {
    if (workflow?.maxConcurrent != null && workflow.activeRuns >= workflow.maxConcurrent)
      reasons.push({
        code: 'concurrency_workflow',
        message: `workflow ${workflow.name} is at its limit of ${workflow.maxConcurrent} concurrent run(s)`,
      });
    if (facts.project.maxConcurrentRuns != null && facts.project.activeRuns >= facts.project.maxConcurrentRuns)
      reasons.push({
        code: 'concurrency_project',
        message: `the project is at its limit of ${facts.project.maxConcurrentRuns} concurrent run(s)`,
      });
    if (facts.status.maxActiveRuns != null && facts.status.activeRuns >= facts.status.maxActiveRuns)
      reasons.push({
        code: 'concurrency_status',
        message: `status ${facts.status.name} is at its limit of ${facts.status.maxActiveRuns} active run(s)`,
      });
    if (agent?.maxParallelRuns != null && agent.activeRuns >= agent.maxParallelRuns)
      reasons.push({
        code: 'concurrency_agent',
        message: `agent ${agent.name} is at its limit of ${agent.maxParallelRuns} parallel run(s)`,
      });
  }
  let machines: string[] = [];
  if (workflow && agent) {
    const { matching, free, missingOn } = eligibleMachines(facts, workflow, agent);
    const labels = [...new Set([...workflow.machineLabels, ...agent.machineLabels])];
    if (matching.length === 0) {
      const need = [
        describeNeed(requiredCommand(agent), missingOn),
        ...(labels.length ? [`labels ${labels.join(', ')}`] : []),
      ].join(' and ');
      reasons.push({ code: 'no_machine', message: `no connected machine has ${need}` });
    } else if (free.length === 0)
      reasons.push({
        code: 'machines_busy',
        message: `every matching machine (${matching.map((m) => m.name).join(', ')}) has all its slots busy`,
      });
    machines = free.map((m) => m.name);
  }
  const dispatchable = reasons.length === 0;
  const summary = dispatchable
    ? `${t.identifier} would be dispatched now: workflow ${workflow!.name}, agent ${agent!.name}, on ${machines.join(' or ')}`
    : `${t.identifier} is not picked up: ${reasons.map((r) => r.message).join('; ')}`;
  return {
    ticket: t.identifier,
    dispatchable,
    workflow: workflow?.name ?? null,
    agent: agent?.name ?? null,
    machines: dispatchable ? machines : [],
    reasons,
    summary,
  };
}
