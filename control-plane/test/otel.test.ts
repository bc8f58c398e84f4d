/**
 * Optional OpenTelemetry tracing of a real control plane (the bundle, machine `local` running a
 * trivial agent): with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a loopback OTLP/HTTP receiver (JSON
 * encoding, written here), spans arrive for an HTTP request, a tRPC call, the dispatch of a ticket
 * (claim → offer, one trace) and the ingest of its events, with ticket/run/machine/replica
 * attributes. Without the variable nothing is sent and the OpenTelemetry code is never loaded: a
 * module-resolution hook (node:module register) records every module the server process loads.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { tracingWanted } from '../src/kernel/tracing.js';
import {
  buildBundles,
  endedAgentRun,
  killLeftoverRuns,
  startControlPlane,
  tempDir,
  waitFor,
  waitMachineOnline,
  type ControlPlane,
} from '@openase/test-kit/fleet-harness';
import { createQuickProject } from '@openase/test-kit/one-turn-agents';
import { bodyServer } from '@openase/test-kit/loopback-http';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
type OtlpAttribute = { key: string; value: OtlpValue };
interface ReceivedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, string | number | boolean | undefined>;
  resource: Record<string, string | number | boolean | undefined>;
}

const attributeMap = (list: OtlpAttribute[] = []) =>
  Object.fromEntries(
    list.map(({ key, value }) => [
      key,
      value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.boolValue,
    ]),
  );

/** A loopback OTLP/HTTP trace receiver: POST /v1/traces with a JSON ExportTraceServiceRequest. */
async function startReceiver() {
  const spans: ReceivedSpan[] = [];
  const requests: string[] = [];
  const server = bodyServer((req, body, res) => {
    requests.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
    if (req.method !== 'POST' || req.url !== '/v1/traces') return res.writeHead(404).end();
    const payload = JSON.parse(body) as {
      resourceSpans: Array<{
        resource: { attributes: OtlpAttribute[] };
        scopeSpans: Array<{
          spans: Array<Omit<ReceivedSpan, 'attributes' | 'resource'> & { attributes: OtlpAttribute[] }>;
        }>;
      }>;
    };
    for (const rs of payload.resourceSpans)
      for (const ss of rs.scopeSpans)
        for (const s of ss.spans)
          spans.push({
            ...s,
            attributes: attributeMap(s.attributes),
            resource: attributeMap(rs.resource.attributes),
          });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, requests, server };
}

/** NODE_OPTIONS that make a Node process append every module URL it resolves to `log`. */
function moduleProbe(dir: string): { log: string; nodeOptions: string } {
  const log = path.join(dir, 'modules.log');
  const hooks = path.join(dir, 'hooks.mjs');
  fs.writeFileSync(
    hooks,
    `import fs from 'node:fs';\nexport async function resolve(s, c, next) {\n  const r = await next(s, c);\n` +
      `  fs.appendFileSync(${JSON.stringify(log)}, r.url + '\\n');\n  return r;\n}\n`,
  );
  const probe = path.join(dir, 'probe.mjs');
  fs.writeFileSync(probe, `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`);
  return { log, nodeOptions: `--import=${probe}` };
}

/** The loaded files (of the bundle) that hold the OTLP exporter. */
function loadedOtelFiles(log: string): string[] {
  const urls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n') : [];
  const files = [...new Set(urls.filter((u) => u.startsWith('file://')).map((u) => new URL(u).pathname))];
  return files.filter((f) => fs.existsSync(f) && fs.readFileSync(f, 'utf8').includes('OTLPTraceExporter'));
}

describe('OpenTelemetry tracing', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const planes: ControlPlane[] = [];
  beforeAll(async () => {
    buildBundles();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    killLeftoverRuns();
    for (const cp of planes) await cp.proc.kill();
    await new Promise((resolve) => receiver?.server.close(resolve));
  });

  it('is on only when asked, and OTEL_SDK_DISABLED wins', () => {
    expect(tracingWanted({})).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: '' })).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracingWanted({ OPENASE_TRACING: '1' })).toBe(true);
    expect(tracingWanted({ OPENASE_TRACING: '1', OTEL_SDK_DISABLED: 'true' })).toBe(false);
  });

  it('sends nothing and loads no OpenTelemetry code when not configured', async () => {
    const home = tempDir('otel-off');
    const probe = moduleProbe(home);
    const off = { OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '', OPENASE_TRACING: '' };
    const cp = await startControlPlane(home, { env: { ...off, NODE_OPTIONS: probe.nodeOptions } });
    planes.push(cp);
    expect((await fetch(`${cp.url}/api/health`)).status).toBe(200);
    await cp.api.projects.create.mutate({ name: 'Dark', ticketPrefix: 'DRK' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await cp.proc.kill();
    expect(receiver.requests).toEqual([]);
    // The probe works (the bundle's entry was seen), and no loaded file holds the exporter.
    expect(fs.readFileSync(probe.log, 'utf8')).toMatch(/openase\.mjs/);
    expect(loadedOtelFiles(probe.log)).toEqual([]);
    expect(cp.proc.output).not.toMatch(/tracing:/);
  });

  it('exports spans for HTTP, tRPC, dispatch and ingest when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    const home = tempDir('otel-on');
    const probe = moduleProbe(home);
    const cp = await startControlPlane(home, {
      localMachine: true,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OPENASE_LOCAL_SLOTS: '1',
        NODE_OPTIONS: probe.nodeOptions,
      },
    });
    planes.push(cp);
    expect(loadedOtelFiles(probe.log).length).toBeGreaterThan(0);
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const traceparent = `00-${callerTrace}-00f067aa0ba902b7-01`;
    expect((await fetch(`${cp.url}/api/health`, { headers: { traceparent } })).status).toBe(200);
    await createQuickProject(cp.api, 'Traced', 'TRC');
    await waitMachineOnline(cp.api, 'local', 'machine local online');
    const ticket = await cp.api.tickets.create.mutate({ project: 'traced', title: 'trace me', status: 'Todo' });
    const { run } = await endedAgentRun(cp.api, ticket.projectId, ticket.id);

    const find = (name: string, attrs: Record<string, unknown> = {}) =>
      receiver.spans.find((s) => s.name === name && Object.entries(attrs).every(([k, v]) => s.attributes[k] === v));
    const health = await waitFor('the health request span', () => find('GET /api/health'));
    expect(health.attributes).toMatchObject({ 'http.request.method': 'GET', 'http.response.status_code': 200 });
    expect([health.traceId, health.parentSpanId]).toEqual([callerTrace, '00f067aa0ba902b7']);
    expect(health.resource['service.name']).toBe('openase');
    expect(health.resource['service.instance.id']).toMatch(/:\d+:[0-9a-f]{12}$/);

    const create = await waitFor('the tRPC span', () => find('trpc tickets.create', { 'rpc.system': 'trpc' }));
    const httpCreate = find('POST /trpc/tickets.create', { 'http.response.status_code': 200 });
    expect(httpCreate).toBeDefined();
    expect(create.parentSpanId).toBe(httpCreate!.spanId);
    expect(create.traceId).toBe(httpCreate!.traceId);

    const claim = await waitFor('the claim span', () => find('dispatch.claim', { 'openase.run': run.id }));
    expect(claim.attributes).toMatchObject({ 'openase.ticket': ticket.identifier, 'openase.machine': 'local' });
    const offer = await waitFor('the offer span', () => find('dispatch.offer', { 'openase.run': run.id }));
    expect(offer.attributes['openase.ticket_id']).toBe(ticket.id);
    const pass = receiver.spans.find((s) => s.spanId === claim.parentSpanId);
    expect(pass?.name).toBe('dispatch.pass');
    expect(offer.traceId).toBe(claim.traceId);

    const ingest = await waitFor('an ingest span', () => find('ingest.batch', { 'openase.run': run.id }));
    expect(Number(ingest.attributes['openase.events'])).toBeGreaterThan(0);
    await cp.proc.kill();
  });
});
