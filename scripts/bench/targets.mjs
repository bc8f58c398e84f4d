// The targets of docs/ARCHITECTURE §10 and how each scenario's figures are set against them.
export const TARGETS = 'ARCHITECTURE.md §10 (see docs/performance.md)';

/** Table rows: one per figure, `pass` null for figures without a target. */
export function rowsFor(scenarios) {
  const rows = [];
  const add = (figure, key, measured, target, pass) =>
    rows.push({ figure, db: key.split('@')[1] ?? null, measured, target, pass });
  for (const [key, s] of Object.entries(scenarios)) {
    const name = key.split('@')[0];
    if (s.error) {
      add(`${name}: failed`, key, s.error.split('\n')[0].slice(0, 120), null, false);
      continue;
    }
    switch (name) {
      case 'dispatch':
      case 'dispatch-busy': {
        const what =
          name === 'dispatch' ? 'dispatch move→offer' : `dispatch move→offer, ${s.busyMachines} machines busy`;
        // The design asks for ≥ 1,000 tickets for the idle figure; the busy one is a smaller sample (--busy-tickets).
        const enough = s.tickets >= (name === 'dispatch' ? 1000 : 300);
        add(
          `${what} p50 (n=${s.tickets})`,
          key,
          `${s.moveToOfferMs.p50} ms`,
          '≤ 50 ms',
          s.moveToOfferMs.p50 !== null && s.moveToOfferMs.p50 <= 50 && enough,
        );
        add(
          `${what} p99 (n=${s.tickets})`,
          key,
          `${s.moveToOfferMs.p99} ms`,
          '≤ 250 ms',
          s.moveToOfferMs.p99 !== null && s.moveToOfferMs.p99 <= 250 && enough,
        );
        add(
          `${name}: move→first event p50 / p99`,
          key,
          `${s.moveToFirstEventMs.p50} / ${s.moveToFirstEventMs.p99} ms`,
          null,
          null,
        );
        add(
          `${name}: the move request alone p50 / p99`,
          key,
          `${s.moveRequestMs.p50} / ${s.moveRequestMs.p99} ms`,
          null,
          null,
        );
        if (s.moveAnsweredToOfferMs)
          add(
            `${name}: move answered (committed) → offer p50 / p99`,
            key,
            `${s.moveAnsweredToOfferMs.p50} / ${s.moveAnsweredToOfferMs.p99} ms`,
            null,
            null,
          );
        break;
      }
      case 'ingest': {
        const pg = key.endsWith('@postgres');
        add(
          `ingest: events/s stored (${s.runs} runs, offered ${s.offeredEventsPerSecond}/s)`,
          key,
          `${s.storedEventsPerSecond}/s`,
          pg ? '≥ 20,000/s' : null,
          pg ? s.storedEventsPerSecond >= 20_000 : null,
        );
        // The SSE target is "under that load", the 20,000/s into PostgreSQL; on PGlite the same rate is beyond
        // capacity.
        add(
          'ingest: daemon emit → SSE receive p99, at that load',
          key,
          `${s.emitToSseMs.p99 ?? 'none received'} ms (p50 ${s.emitToSseMs.p50})`,
          pg ? '≤ 250 ms' : null,
          pg ? s.emitToSseMs.p99 !== null && s.emitToSseMs.p99 <= 250 : null,
        );
        if (s.calm?.skipped) add('ingest: emit → SSE p99 below capacity', key, s.calm.skipped, null, null);
        else if (s.calm)
          add(
            `ingest: emit → SSE p99 below capacity (${s.calm.offeredEventsPerSecond}/s offered, ${s.calm.storedEventsPerSecond}/s stored)`,
            key,
            `${s.calm.emitToSseMs.p99 ?? 'none received'} ms (p50 ${s.calm.emitToSseMs.p50})`,
            null,
            null,
          );
        break;
      }
      case 'fleet':
        add(
          `fleet: control-plane CPU (${s.machines} daemons, ${s.runsInFlight} runs)`,
          key,
          `${s.controlPlaneCpuCores} cores`,
          '≤ 1 core',
          s.controlPlaneCpuCores <= 1 && s.machines >= 1000,
        );
        add(
          `fleet: control-plane RSS (${s.machines} daemons)`,
          key,
          `${s.controlPlaneRssMiB} MiB`,
          '≤ 1024 MiB',
          s.controlPlaneRssMiB <= 1024 && s.machines >= 1000,
        );
        break;
      case 'daemon':
        add('daemon: idle RSS', key, `${s.idleRssMiB} MiB`, '≤ 60 MiB', s.idleRssMiB <= 60);
        add(`daemon: RSS with ${s.runs} runs streaming`, key, `${s.streamingRssMiB} MiB`, null, null);
        break;
      case 'notify':
        add(
          `webhook delivery, move to In Review → signed webhook received, p50 / p99 (n=${s.tickets})`,
          key,
          `${s.deliveryMs.p50} / ${s.deliveryMs.p99} ms`,
          null,
          null,
        );
        add(
          'notify: same-run baseline, a plain request (auth.whoami) p50 / p99',
          key,
          `${s.baselineMs.p50} / ${s.baselineMs.p99} ms`,
          null,
          null,
        );
        break;
      case 'cold-start': {
        const embedded = key.endsWith('@pglite');
        add(
          'cold start to listening, fresh data (median)',
          key,
          `${s.freshMs} ms`,
          embedded ? '≤ 5,000 ms' : null,
          embedded ? s.freshMs <= 5000 : null,
        );
        add(
          'cold start to listening, existing data (median)',
          key,
          `${s.restartMs} ms`,
          embedded ? '≤ 5,000 ms' : null,
          embedded ? s.restartMs <= 5000 : null,
        );
        break;
      }
      case 'board':
        if (s.skipped) add('board load', key, s.skipped, null, null);
        else {
          add(
            `board: navigation → ${s.tickets} cards rendered (median)`,
            key,
            `${s.loadToAllCardsMs.median} ms`,
            null,
            null,
          );
          add('board: total blocking time (median)', key, `${s.totalBlockingTimeMs.median} ms`, null, null);
        }
        break;
      case 'diff':
        if (s.skipped) add('diff in the drawer', key, s.skipped, null, null);
        else {
          add(
            `diff: ${s.lines} added lines, answer → first rows on screen (median of ${s.runs})`,
            key,
            `${s.renderMs.median} ms`,
            '< 500 ms',
            s.renderMs.median < 500,
          );
          add(
            `diff: ${s.lines} lines, answer → all rows on screen (median)`,
            key,
            `${s.completeMs.median} ms`,
            null,
            null,
          );
          add(
            `diff: ${s.lines} lines, answer → syntax highlighting done (median)`,
            key,
            `${s.highlightedMs.median} ms`,
            null,
            null,
          );
          add(
            `diff: same-run baseline, ${s.baselineLines} lines (median)`,
            key,
            `${s.baselineRenderMs.median} ms`,
            null,
            null,
          );
          add(
            `diff: page load → ${s.lines} lines on screen / baseline (median)`,
            key,
            `${s.navigationMs.median} / ${s.baselineNavigationMs.median} ms`,
            null,
            null,
          );
          const h = s.huge;
          add(
            `diff: ${Math.round(h.fileBytes / 2 ** 20)} MB diff → "too large" (answer, bytes sent, server RSS before/after, max health latency)`,
            key,
            `${h.answerMs} ms, ${Math.round(h.answerBytes / 1024)} KiB, ${h.serverRssMiB.before}/${h.serverRssMiB.after} MiB, ${h.healthDuringMs.max} ms`,
            `capped at ${Math.round(h.maxBytes / 2 ** 20)} MiB`,
            h.answerBytes < h.maxBytes * 1.2,
          );
        }
        break;
      case 'flood':
        add('/api/health baseline, p50 / p99', key, `${s.baselineMs.p50} / ${s.baselineMs.p99} ms`, null, null);
        add(
          `/api/health under a ${s.frames}-frame daemon flood + ${s.batches} × ${s.calls}-call batch, p50 / p99 (×baseline p99)`,
          key,
          `${s.floodMs.p50} / ${s.floodMs.p99} ms (×${s.p99Ratio})`,
          'p99 < 100 ms',
          s.floodMs.p99 < 100,
        );
        add(
          'flooding daemon: close code after frames sent; batch status',
          key,
          `${s.closeCode} after ${s.framesSent} frames (${s.closedAfterMs} ms); ${s.batchStatuses.join(', ')}`,
          '4429; 400',
          s.closeCode === 4429 && s.batchStatuses.every((x) => x === 400),
        );
        break;
      case 'replicas':
        add(
          `2 control planes: dispatch throughput (${s.offered}/${s.tickets} tickets)`,
          key,
          `${s.ticketsPerSecond} tickets/s`,
          null,
          null,
        );
        add(
          '2 control planes: double dispatches (runs table + offers seen)',
          key,
          `${s.ticketsWithMoreThanOneRun} + ${s.ticketsOfferedTwice}`,
          '0',
          s.ticketsWithMoreThanOneRun === 0 && s.ticketsOfferedTwice === 0 && s.offered === s.tickets,
        );
        break;
      case 'kill-restart': {
        const k = s.kills;
        add(
          `kill/restart: ${s.cycles} cycles (${k.daemon} daemon, ${k.controlPlane} control plane), ${s.runs} runs: events lost / duplicated`,
          key,
          `${s.lost} / ${s.duplicated}`,
          '0 / 0',
          s.lost === 0 &&
            s.duplicated === 0 &&
            s.outOfOrder === 0 &&
            s.seqFaults === 0 &&
            s.allEnded &&
            s.cycles >= 100,
        );
        add(
          'kill/restart: runs not succeeded; lines out of order; seq faults',
          key,
          `${s.notSucceededCount}; ${s.outOfOrder}; ${s.seqFaults}`,
          null,
          null,
        );
        break;
      }
      case 'ceiling':
        for (const [batch, rate] of Object.entries(s.rowsPerSecondBatchOf))
          add(
            `PostgreSQL ceiling: rows/s, ${batch}-row INSERT per transaction, ${s.connections} connections`,
            key,
            `${rate}/s`,
            null,
            null,
          );
        break;
    }
  }
  return rows;
}
