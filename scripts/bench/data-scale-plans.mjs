// The hot statements of the board, `ticket list`, `ticket why` and the transcript, written out as the control plane
// sends them (drizzle's SQL, parameters inlined: control-plane/src/tickets/tickets.ts listTickets, card-facts.ts,
// orchestrator/project-facts.ts, runs/runs.ts listRuns and listRunEvents), for EXPLAIN (ANALYZE, BUFFERS) on big data.

/** [name, statement] for one project, one of its tickets' runs (the long transcript) and the org. */
function statements({ projectId, runId, boardIds }) {
  // The ids of one page of cards, as drizzle's inArray sends them.
  const ticketsOfBoard = boardIds.map((id) => `'${id}'`).join(',');
  return [
    [
      'board / ticket list: one page of a project (tickets.list)',
      `select t.*, s.name, s.stage, s.position from tickets t join statuses s on s.id = t.status_id
where t.project_id = '${projectId}' and t.archived_at is null
order by s.position asc, t.number desc limit 201`,
    ],
    [
      'board: card facts, children',
      `select parent_id, count(*)::int from tickets where parent_id in (${ticketsOfBoard}) and archived_at is null
group by parent_id`,
    ],
    [
      'board: card facts, latest run of each ticket',
      `select distinct on (ticket_id) ticket_id, state, machine_id from runs where ticket_id in (${ticketsOfBoard})
order by ticket_id, created_at desc`,
    ],
    [
      "board: the project's active runs (runs.list projectId, active)",
      `select r.*, m.name from runs r left join machines m on m.id = r.machine_id
where r.org_id = (select org_id from projects where id = '${projectId}') and r.project_id = '${projectId}'
  and r.state in ('queued','offered','preparing','running')
order by date_trunc('milliseconds', r.created_at at time zone 'UTC') desc, r.id desc limit 501`,
    ],
    [
      'runs page: every run of the org, newest first (runs.list)',
      `select r.*, m.name from runs r left join machines m on m.id = r.machine_id
where r.org_id = (select org_id from projects where id = '${projectId}')
order by date_trunc('milliseconds', r.created_at at time zone 'UTC') desc, r.id desc limit 51`,
    ],
    [
      'ticket why: the ticket by identifier',
      `select t.* from tickets t join projects p on p.id = t.project_id
where p.org_id = (select org_id from projects where id = '${projectId}')
  and p.ticket_prefix = (select ticket_prefix from projects where id = '${projectId}') and t.number = 1 limit 1`,
    ],
    [
      "ticket why / dispatch: the org's active runs (project facts)",
      `select r.project_id, r.workflow_id, r.agent_id, r.machine_id, r.ticket_id, t.status_id
from runs r left join tickets t on t.id = r.ticket_id
where r.org_id = (select org_id from projects where id = '${projectId}')
  and r.state in ('queued','offered','preparing','running')`,
    ],
    [
      'transcript: the last 1,000 events (runs.events beforeSeq)',
      `select * from run_events where run_id = '${runId}' and seq > 0 and seq < 2147483647
order by seq desc limit 1000`,
    ],
    [
      'transcript: the first 1,000 events (runs.events afterSeq)',
      `select * from run_events where run_id = '${runId}' and seq > 0 order by seq asc limit 1000`,
    ],
  ];
}

/** EXPLAIN (ANALYZE, BUFFERS) of each statement: [{ name, plan }]. */
export async function planStatements(sql, { projectId, runId }) {
  const ran = await sql`select id from tickets where project_id = ${projectId} and archived_at is null
    order by number desc limit 200`;
  const out = [];
  for (const [name, statement] of statements({ projectId, runId, boardIds: ran.map((r) => r.id) })) {
    const rows = await sql.unsafe(`explain (analyze, buffers) ${statement}`);
    out.push({ name, plan: rows.map((r) => r['QUERY PLAN']).join('\n') });
  }
  return out;
}
