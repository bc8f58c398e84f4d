// Big data, fast: tickets, finished agent runs and their events written straight into an OpenASE database with
// set-based SQL (generate_series), into projects that already exist (made through the API, so their statuses,
// agents and workflows are the real ones). The same statements run on PGlite and on PostgreSQL: `exec(text)` runs
// one statement (postgres.js `sql.unsafe`, PGlite `exec`). Used by the large move check
// (control-plane/test/migrate-to-large.test.ts) and the data-at-scale benchmark (scripts/bench/data-scale.mjs).
//
// What is written per project: `ticketsPerProject` tickets numbered after the project's own (ticket_seq is moved on),
// spread over its backlog, completed and canceled statuses (no workflow picks them up, nothing merges them: the server
// stays idle) and over the priorities; `runs` finished agent runs in all, one per ticket on every k-th ticket,
// each with `eventsPerRun` output events, and the first of them `longRun` events instead (a long transcript). No
// activity rows and no run transitions: the board, listings and transcripts do not read them.

const q = (s) => `'${String(s).replace(/'/g, "''")}'`;
const uuids = (ids) => `array[${ids.map(q).join(',')}]::uuid[]`;
export const GENERATED_BY = 'bench-generator';

/**
 * Fills the projects. `events` is the total number of run events; runs hold `eventsPerRun` each except one long run
 * of `longRun` (when `events` allows). Returns what was written and how long each part took (ms).
 */
export async function fillBigData(
  exec,
  { projectIds, ticketsPerProject, events = 0, eventsPerRun = 1000, longRun = 0, log = () => {} },
) {
  const started = performance.now();
  const lap = () => Math.round(performance.now() - started);
  const long = Math.min(longRun, events);
  const runCount = (long ? 1 : 0) + Math.ceil((events - long) / eventsPerRun);
  const tickets = projectIds.length * ticketsPerProject;
  if (runCount > tickets) throw new Error(`${runCount} runs need as many tickets; ${tickets} asked`);
  await exec('set synchronous_commit = off').catch(() => {}); // a scratch fill: no fsync per statement
  // Tickets, one statement per project (a project's numbers follow its ticket_seq).
  for (const id of projectIds)
    await exec(`with p as (select id, ticket_prefix, ticket_seq from projects where id = ${q(id)}),
  st as (select array_agg(id order by position) ids from statuses where project_id = ${q(id)}
    and stage in ('backlog', 'completed', 'canceled'))
insert into tickets (id, project_id, number, identifier, title, description, status_id, priority, labels,
  created_by, created_at, updated_at, status_changed_at)
select gen_random_uuid(), p.id, p.ticket_seq + g, p.ticket_prefix || '-' || (p.ticket_seq + g),
  'Generated ticket ' || g || ' of a big board', 'Made by the big-data generator.',
  st.ids[1 + g % array_length(st.ids, 1)], (array['urgent','high','medium','low','none'])[1 + g % 5],
  case when g % 7 = 0 then array['generated'] else '{}'::text[] end, ${q(GENERATED_BY)},
  now() - (g || ' seconds')::interval, now(), now()
from p, st, generate_series(1, ${ticketsPerProject}) g`);
  await exec(`update projects set ticket_seq = ticket_seq + ${ticketsPerProject} where id = any(${uuids(projectIds)})`);
  const ticketsMs = lap();
  log(`${tickets} tickets in ${(ticketsMs / 1000).toFixed(1)} s`);
  if (!runCount) return { tickets, runs: 0, events: 0, ms: { tickets: ticketsMs, runs: 0, events: 0 } };

  // Runs: one on every k-th generated ticket, spread over the projects; finished, settled, workspace removed (so no
  // sweep picks them up).
  const every = Math.max(1, Math.floor(tickets / runCount));
  await exec(`insert into runs (id, org_id, project_id, ticket_id, kind, spec, attempt, state, state_reason,
  created_by, created_at, updated_at, started_at, finished_at, last_event_at, settled_at, workspace_removed_at)
select gen_random_uuid(), p.org_id, t.project_id, t.id, 'agent', '{"generated":true}'::jsonb, 1, 'succeeded',
  'generated', ${q(GENERATED_BY)}, t.created_at, now(), t.created_at, now(), now(), now(), now()
from (select t.*, row_number() over (order by t.project_id, t.number) - 1 as i
      from tickets t where t.created_by = ${q(GENERATED_BY)} and t.project_id = any(${uuids(projectIds)})) t
  join projects p on p.id = t.project_id
where t.i % ${every} = 0 and t.i / ${every} < ${runCount}`);
  await exec(`update tickets set attempt_count = 1 where id in
  (select ticket_id from runs where created_by = ${q(GENERATED_BY)} and project_id = any(${uuids(projectIds)}))`);
  const runsMs = lap() - ticketsMs;
  log(`${runCount} runs in ${(runsMs / 1000).toFixed(1)} s`);

  // Events, in statements of about 100,000 rows (bounded memory on PGlite, progress on both).
  const runIds = await listRuns(exec, projectIds);
  const sizes = runIds.map((_, i) =>
    long && i === 0 ? long : Math.min(eventsPerRun, events - long - (i - (long ? 1 : 0)) * eventsPerRun),
  );
  const chunk = Math.max(1, Math.floor(100_000 / eventsPerRun));
  let written = 0;
  let reported = 0;
  const insertEvents = async (ids, n, from = 1) => {
    await exec(`insert into run_events (run_id, seq, ts, type, payload)
select r, g, now() - ((${n} - g) || ' milliseconds')::interval, 'output',
  jsonb_build_object('type', 'output', 'stream', 'stdout', 'text', 'line ' || g || ' of a generated run''s output')
from unnest(${uuids(ids)}) r, generate_series(${from}, ${from + n - 1}) g`);
    written += ids.length * n;
    if (written - reported >= 1_000_000) {
      reported = written;
      log(`${written} events in ${((lap() - ticketsMs - runsMs) / 1000).toFixed(1)} s`);
    }
  };
  let i = 0;
  if (long) {
    for (let from = 1; from <= long; from += 100_000)
      await insertEvents([runIds[0]], Math.min(100_000, long - from + 1), from);
    i = 1;
  }
  for (; i < runIds.length;) {
    // Runs of the same size go together.
    const size = sizes[i];
    let j = i;
    while (j < runIds.length && j - i < chunk && sizes[j] === size) j++;
    await insertEvents(runIds.slice(i, j), size);
    i = j;
  }
  await exec(`update runs r set acked_seq = s.n, stored_seq = s.n
from (select run_id, max(seq) n from run_events where run_id in
  (select id from runs where created_by = ${q(GENERATED_BY)} and project_id = any(${uuids(projectIds)})) group by run_id) s
where r.id = s.run_id`);
  const eventsMs = lap() - ticketsMs - runsMs;
  log(`${written} events in ${(eventsMs / 1000).toFixed(1)} s`);
  return {
    tickets,
    runs: runIds.length,
    events: written,
    longRunId: long ? runIds[0] : null,
    ms: { tickets: ticketsMs, runs: runsMs, events: eventsMs },
  };
}

async function listRuns(exec, projectIds) {
  const rows = await exec(`select id from runs where created_by = ${q(GENERATED_BY)}
  and project_id = any(${uuids(projectIds)}) order by created_at, id`);
  return rowsOf(rows).map((r) => r.id);
}

/** Rows of a statement's result: postgres.js returns the rows array itself, PGlite's `query` `{ rows }`. */
export function rowsOf(result) {
  return Array.isArray(result) ? result : (result?.rows ?? []);
}
