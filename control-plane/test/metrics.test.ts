/**
 * `/metrics` of a real control plane (the bundle, machine `local` running a trivial agent), read
 * with a Prometheus text-format parser: the token is required, and dispatching a ticket moves the
 * dispatch latency histogram, the ingest counter, the runs gauge and the HTTP route histogram.
 */
import { describe, expect, it, vi } from 'vitest';
import { parsePrometheus, sampleValue, type PromFamily } from './prometheus.js';
import { tempDir, useControlPlane, waitFor } from '@openase/test-kit/fleet-harness';
import { createQuickProject } from '@openase/test-kit/one-turn-agents';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

const TOKEN = 'metrics-token-for-the-test';

describe('GET /metrics', () => {
  const cp = useControlPlane(tempDir('metrics'), {
    localMachine: true,
    env: { OPENASE_METRICS_TOKEN: TOKEN, OPENASE_LOCAL_SLOTS: '1' },
  });

  const scrape = async (): Promise<Map<string, PromFamily>> => {
    const res = await fetch(`${cp.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    return parsePrometheus(await res.text());
  };
  type Families = Map<string, PromFamily>;
  const value = (m: Families, family: string, labels: Record<string, string> = {}) =>
    sampleValue(m, family, family, labels);
  const histogramCount = (m: Families, family: string, labels: Record<string, string>) =>
    sampleValue(m, family, `${family}_count`, labels) ?? 0;

  it('refuses a scrape without the token', async () => {
    expect((await fetch(`${cp.url}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${cp.url}/metrics`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  });

  it('moves the dispatch histogram when a ticket is dispatched', async () => {
    await createQuickProject(cp.api, 'Metrics', 'MET');
    await waitFor('machine local online', async () =>
      (await cp.api.machines.list.query()).machines.some((m) => m.name === 'local' && m.status === 'online'),
    );
    const before = await scrape();
    expect(before.get('openase_dispatch_latency_seconds')?.type).toBe('histogram');
    const offersBefore = histogramCount(before, 'openase_dispatch_latency_seconds', { stage: 'offer' });
    const claimsBefore = histogramCount(before, 'openase_dispatch_latency_seconds', { stage: 'claim' });
    expect(value(before, 'openase_queue_depth', { project: 'metrics' })).toBe(0);

    const ticket = await cp.api.tickets.create.mutate({ project: 'metrics', title: 'count me', status: 'Todo' });
    await waitFor('the ticket to be parked after its one turn', async () =>
      Boolean((await cp.api.tickets.show.query({ ticket: ticket.identifier })).parkedReason),
    );
    const after = await scrape();
    expect(histogramCount(after, 'openase_dispatch_latency_seconds', { stage: 'claim' })).toBe(claimsBefore + 1);
    expect(histogramCount(after, 'openase_dispatch_latency_seconds', { stage: 'offer' })).toBe(offersBefore + 1);
    expect(sampleValue(after, 'openase_events_ingested', 'openase_events_ingested_total')).toBeGreaterThan(0);
    expect(histogramCount(after, 'openase_ingest_batch_size', {})).toBeGreaterThan(0);
    const ended = ['succeeded', 'failed', 'canceled'].map((state) => value(after, 'openase_runs', { state }) ?? 0);
    expect(ended.reduce((a, b) => a + b)).toBe(1);
    expect(value(after, 'openase_runs', { state: 'running' })).toBe(0);
    expect(value(after, 'openase_machines', { status: 'online' })).toBe(1);
    expect(value(after, 'openase_slots', { state: 'free' })).toBe(1);
    expect(value(after, 'openase_daemon_sessions', { transport: 'lines' })).toBe(1);
    expect(histogramCount(after, 'openase_http_request_duration_seconds', { route: '/trpc/tickets.create' })).toBe(1);
    expect(after.get('openase_build_info')?.samples[0]?.labels.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(value(after, 'openase_leader')).toBe(1);
    expect(value(after, 'openase_db_pool_max')).toBe(1);
    expect(after.has('openase_process_resident_memory_bytes')).toBe(true);
  });
});
