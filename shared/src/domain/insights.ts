/**
 * A project over time (`projects.insights`) and the fleet over time (`machines.history`): the inputs, and the pure
 * sums the console draws from the facts the server returns (per day: tickets done, cost, runs by outcome; a
 * ticket's milestones). Side-effect free, so the web bundle can import it.
 */
import * as z from '../zod.js';
import { projectRefSchema } from './inputs.js';

export const projectInsightsInput = z.object({
  project: projectRefSchema,
  /** How many days back (today included). */
  days: z.number().int().min(1).max(90).default(14),
});

export const machineHistoryInput = z
  .object({ hours: z.number().int().min(1).max(24).default(6) })
  .default({ hours: 6 });

/** Minutes of fleet history kept; older rollups are dropped as new ones are written. */
export const MACHINE_HISTORY_KEEP_HOURS = 24;

export interface InsightRun {
  ticketId: string | null;
  /** The agent's name (null: a run of an agent since deleted). */
  agent: string | null;
  state: string;
  costUsd: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}
export interface InsightMove {
  ticketId: string;
  at: string;
  status: string;
}
export interface InsightTicket {
  id: string;
  identifier: string;
  title: string;
  createdAt: string;
  status: string;
}
export interface InsightFacts {
  since: string;
  now: string;
  statuses: Array<{ name: string; stage: string }>;
  tickets: InsightTicket[];
  moves: InsightMove[];
  runs: InsightRun[];
}

export interface TicketMilestones {
  created: string;
  pickedUp: string | null;
  inReview: string | null;
  done: string | null;
}

/** Created → picked up (first run) → In Review (first move to a status named "… review …") → Done (last move to a
 * completed status, when it is still there). */
export function milestones(facts: InsightFacts, ticket: InsightTicket): TicketMilestones {
  const stage = new Map(facts.statuses.map((s) => [s.name, s.stage]));
  const moves = facts.moves.filter((m) => m.ticketId === ticket.id).sort((a, b) => a.at.localeCompare(b.at));
  const runs = facts.runs
    .filter((r) => r.ticketId === ticket.id)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const review = moves.find((m) => /review/i.test(m.status));
  const lastDone = [...moves].reverse().find((m) => stage.get(m.status) === 'completed');
  return {
    created: ticket.createdAt,
    pickedUp: runs[0] ? (runs[0].startedAt ?? runs[0].createdAt) : null,
    inReview: review?.at ?? null,
    done: stage.get(ticket.status) === 'completed' ? (lastDone?.at ?? null) : null,
  };
}

export type RunOutcome = 'succeeded' | 'failed' | 'other';
const FAILED = new Set(['failed', 'timed_out', 'stalled', 'lost']);
export function runOutcome(state: string): RunOutcome {
  return state === 'succeeded' ? 'succeeded' : FAILED.has(state) ? 'failed' : 'other';
}

export interface DayFacts {
  /** YYYY-MM-DD (UTC). */
  day: string;
  done: number;
  costUsd: number;
  succeeded: number;
  failed: number;
  /** Median hours from created to done of the tickets done that day (null: none). */
  cycleHours: number | null;
}

const dayOf = (iso: string) => iso.slice(0, 10);

/** One entry per day from `since` to `now`, oldest first. */
export function perDay(facts: InsightFacts): DayFacts[] {
  const days: DayFacts[] = [];
  const index = new Map<string, DayFacts>();
  const cycles = new Map<string, number[]>();
  for (let t = Date.parse(dayOf(facts.since)); t <= Date.parse(facts.now); t += 86_400_000) {
    const d: DayFacts = {
      day: new Date(t).toISOString().slice(0, 10),
      done: 0,
      costUsd: 0,
      succeeded: 0,
      failed: 0,
      cycleHours: null,
    };
    days.push(d);
    index.set(d.day, d);
  }
  for (const ticket of facts.tickets) {
    const m = milestones(facts, ticket);
    const d = m.done && index.get(dayOf(m.done));
    if (!m.done || !d) continue;
    d.done += 1;
    const hours = (Date.parse(m.done) - Date.parse(m.created)) / 3_600_000;
    cycles.set(d.day, [...(cycles.get(d.day) ?? []), hours]);
  }
  for (const run of facts.runs) {
    const d = index.get(dayOf(run.finishedAt ?? run.createdAt));
    if (!d) continue;
    d.costUsd += run.costUsd;
    const outcome = runOutcome(run.state);
    if (outcome !== 'other') d[outcome] += 1;
  }
  for (const [day, hours] of cycles) {
    const sorted = hours.sort((a, b) => a - b);
    index.get(day)!.cycleHours = sorted[Math.floor((sorted.length - 1) / 2)]!;
  }
  return days;
}

export interface AgentCost {
  agent: string;
  costUsd: number;
  runs: number;
}

/** What each agent spent over the window and how many runs it made, the most expensive first. */
export function perAgent(facts: InsightFacts): AgentCost[] {
  const byAgent = new Map<string, AgentCost>();
  for (const run of facts.runs) {
    const agent = run.agent ?? 'a deleted agent';
    const entry = byAgent.get(agent) ?? { agent, costUsd: 0, runs: 0 };
    entry.costUsd += run.costUsd;
    entry.runs += 1;
    byAgent.set(agent, entry);
  }
  return [...byAgent.values()].sort(
    (a, b) => b.costUsd - a.costUsd || b.runs - a.runs || a.agent.localeCompare(b.agent),
  );
}

export interface StatusTime {
  status: string;
  /** Mean hours a ticket stayed in the status once it entered it within the window. */
  hours: number;
  tickets: number;
}

/**
 * How long tickets stay in each status: every move in the window starts a stay that ends at the ticket's next move,
 * or now when it is still there. Averaged per status over its stays; statuses in board order, those no ticket entered
 * in the window left out. (Where a ticket was before its first move in the window is not in the facts.)
 */
export function timeInStatus(facts: InsightFacts): StatusTime[] {
  const current = new Map(facts.tickets.map((t) => [t.id, t.status]));
  const byTicket = new Map<string, InsightMove[]>();
  for (const m of facts.moves) byTicket.set(m.ticketId, [...(byTicket.get(m.ticketId) ?? []), m]);
  const stays = new Map<string, number[]>();
  const now = Date.parse(facts.now);
  for (const [ticketId, moves] of byTicket) {
    moves.sort((a, b) => a.at.localeCompare(b.at));
    moves.forEach((m, i) => {
      const next = moves[i + 1];
      if (!next && current.get(ticketId) !== m.status) return;
      const end = next ? Date.parse(next.at) : now;
      stays.set(m.status, [...(stays.get(m.status) ?? []), (end - Date.parse(m.at)) / 3_600_000]);
    });
  }
  return facts.statuses.flatMap(({ name }) => {
    const hours = stays.get(name);
    return hours?.length
      ? [{ status: name, hours: hours.reduce((a, b) => a + b, 0) / hours.length, tickets: hours.length }]
      : [];
  });
}
