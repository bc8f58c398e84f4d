/**
 * `openase ticket show` for a person: the ticket's fields, what it waits for (an agent's question to answer, a
 * review), its comments, pull requests, runs and activity. `--json` has every field as the API sent it.
 */
import type { ApiClient } from '../client.js';
import type { CommandIo } from '../command.js';
import { oneLine, printFields } from '../output.js';
import { runStateText } from './run-list.js';

export type ShownTicket = Awaited<ReturnType<ApiClient['tickets']['show']['query']>>;

/** What a person should do for the ticket now: answer its agent's question, or review it. */
export function waitingFields(
  t: Pick<ShownTicket, 'identifier' | 'question' | 'answer' | 'review'>,
): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  if (t.question && t.answer === null)
    fields.push([
      'waiting for',
      `an answer to its agent's question: ${oneLine(t.question)} (\`openase ticket answer ${t.identifier} "…"\`)`,
    ]);
  if (t.review.message) fields.push(['review', oneLine(t.review.message)]);
  return fields;
}

export function printTicket(io: CommandIo, t: ShownTicket): void {
  printFields(io, [
    ['ticket', `${t.identifier} ${oneLine(t.title)}`],
    ['project', t.project.slug],
    ['status', `${t.status.name} (${t.status.stage})`],
    ...waitingFields(t),
    ['priority', t.priority],
    ['labels', t.labels.join(', ')],
    ['parent', t.parent ? t.parent.identifier : ''],
    ['children', t.children.map((c) => c.identifier).join(', ')],
    ['blocked by', t.blockedBy.map((b) => `${b.identifier} (${b.status})`).join(', ')],
    ['blocks', t.blocks.map((b) => b.identifier).join(', ')],
    ['cost', `$${t.costUsd.toFixed(4)}${t.budgetUsd !== null ? ` of $${t.budgetUsd} budget` : ''}`],
    ['tokens', `${t.inputTokens} in, ${t.outputTokens} out, ${t.cachedTokens} cached`],
    ['attempts', attemptsText(t)],
    ['archived', t.archivedAt ? String(t.archivedAt) : 'no'],
  ]);
  if (t.description) io.out(`\n${t.description}`);
  if (t.comments.length) {
    io.out('\nComments:');
    for (const c of t.comments) {
      // A line comment of a review says where: repo, file, line (a removed line: in the base).
      const at = c.anchor as { repo?: string; path: string; line: number; side?: string } | null;
      const where = at
        ? ` on ${at.repo ? `${at.repo}:` : ''}${at.path}:${at.line}${at.side === 'old' ? ' (removed line)' : ''}`
        : '';
      io.out(`  [${c.id}] ${c.authorName}${where}${c.revision > 1 ? ' (edited)' : ''}: ${oneLine(c.body)}`);
    }
  }
  for (const pr of t.pullRequests) io.out(`pull request: ${pr.repository} #${pr.number} ${pr.state} ${pr.url}`);
  if (t.runs.length) {
    io.out('\nRuns:');
    for (const r of t.runs) io.out(runLine(r));
  }
  io.out('\nActivity:');
  for (const a of t.activity) io.out(`  ${new Date(a.createdAt).toISOString()}  ${a.actorName}: ${oneLine(a.summary)}`);
}

/**
 * One run of the table, named by its number ("run 3": it never restarts), not by the ticket's attempt count, which
 * does (attemptsText).
 */
export function runLine(
  r: Pick<ShownTicket['runs'][number], 'id' | 'attempt' | 'state' | 'machine' | 'costUsd' | 'stateReason'>,
): string {
  const where = (r.machine ?? '-').padEnd(12);
  return `  ${r.id}  run ${r.attempt}  ${runStateText(r.state).padEnd(10)}  ${where}  $${r.costUsd.toFixed(4)}  ${oneLine(r.stateReason ?? '')}`;
}

/**
 * Attempts are what the workflow's `max_attempts` counts: a run that asked a question, the rounds before a review's
 * last and the runs before a start-over (a person's move, a retry) do not count (docs/orchestrator.md). So "attempts:
 * 1" can sit beside three runs: said when they differ.
 */
export function attemptsText(t: {
  attemptCount: number;
  runs: readonly unknown[];
  parkedReason: string | null;
  nextRetryAt: string | Date | null;
}): string {
  const runs = t.runs.length;
  const inAll =
    runs !== t.attemptCount ? `, ${runs} run${runs === 1 ? '' : 's'} in all (not every run counts as an attempt)` : '';
  const held = t.parkedReason
    ? ` (parked: ${t.parkedReason})`
    : t.nextRetryAt
      ? ` (retry at ${new Date(t.nextRetryAt).toISOString()})`
      : '';
  return `${t.attemptCount} toward the workflow's limit${inAll}${held}`;
}
