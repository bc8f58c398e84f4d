/**
 * Optional OpenTelemetry tracing (off by default; docs/operations.md "Tracing"). Domain code wraps
 * work in `inSpan` and notes finished work with `recordSpan`; both cost nothing while tracing is
 * off, and the OpenTelemetry packages (kernel/otel-sdk.ts, a chunk of its own in the bundle) are
 * imported only by `startTracing` when it is on. One tracer per process: several servers in one
 * process (tests) share it, and the last one to stop shuts it down.
 */

/** What a span is about: `openase.ticket`, `openase.run`, `openase.machine`… (undefined = left out). */
export type SpanAttributes = Record<string, string | number | boolean | undefined>;

export interface SpanNote {
  /** Adds attributes; `name` renames the span (an HTTP route known only once matched). */
  set(attributes: SpanAttributes, name?: string): void;
  /** Marks the span failed (its status is ERROR, the error recorded as an exception). */
  fail(err: unknown): void;
}

/** W3C trace context of a caller (`traceparent`, `tracestate` headers): its span becomes the parent. */
export type TraceCarrier = Record<string, string | undefined>;

export interface TracerImpl {
  inSpan<T>(
    name: string,
    attributes: SpanAttributes,
    work: (span: SpanNote) => Promise<T>,
    from?: TraceCarrier,
  ): Promise<T>;
  recordSpan(name: string, attributes: SpanAttributes, startedAtMs: number): void;
  shutdown(): Promise<void>;
}

const noSpan: SpanNote = { set: () => {}, fail: () => {} };
let tracer: TracerImpl | null = null;
let users = 0;

/**
 * Runs `work` in a span (a child of the current one, or of the caller's given in `from`) when
 * tracing is on; just runs it otherwise.
 */
export function inSpan<T>(
  name: string,
  attributes: SpanAttributes,
  work: (span: SpanNote) => Promise<T>,
  from?: TraceCarrier,
): Promise<T> {
  return tracer ? tracer.inSpan(name, attributes, work, from) : work(noSpan);
}

/** A span for work that already happened, from `startedAtMs` (epoch ms) to now, under the current span. */
export function recordSpan(name: string, attributes: SpanAttributes, startedAtMs: number): void {
  tracer?.recordSpan(name, attributes, startedAtMs);
}

/**
 * On when asked (`OPENASE_TRACING=1`) or when an OTLP endpoint is configured the standard way
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`); `OTEL_SDK_DISABLED=true` wins.
 */
export function tracingWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  return (
    ['1', 'true', 'on'].includes(env.OPENASE_TRACING ?? '') ||
    Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
  );
}

/** Starts exporting spans (OTLP over HTTP); the returned stop flushes them, and shuts down after the last user. */
export async function startTracing(resource: { version: string; replica: string }): Promise<() => Promise<void>> {
  if (!tracer) {
    const { createOtelTracer } = await import('./otel-sdk.js');
    tracer ??= createOtelTracer(resource);
  }
  users++;
  let stopped = false;
  return async () => {
    if (stopped || !tracer) return;
    stopped = true;
    if (--users > 0) return;
    const last = tracer;
    tracer = null;
    await last.shutdown();
  };
}
