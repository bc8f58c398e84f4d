/**
 * The OpenTelemetry side of kernel/tracing.ts, imported only when tracing is on: the Node trace
 * SDK batching spans to the OTLP/HTTP exporter, which reads the standard OTEL_EXPORTER_OTLP_*
 * variables (endpoint, headers, timeout); OTEL_SERVICE_NAME overrides the service name.
 */
import { SpanStatusCode, context, propagation, trace, type Attributes, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { SpanAttributes, SpanNote, TracerImpl } from './tracing.js';

function attributesOf(given: SpanAttributes): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(given)) if (v !== undefined) out[k] = v;
  return out;
}

function noteFor(span: Span): SpanNote {
  return {
    set(attributes, name) {
      span.setAttributes(attributesOf(attributes));
      if (name) span.updateName(name);
    },
    fail(err) {
      const message = err instanceof Error ? err.message : String(err);
      span.setStatus({ code: SpanStatusCode.ERROR, message });
      span.recordException(err instanceof Error ? err : message);
    },
  };
}

export function createOtelTracer(resource: { version: string; replica: string }): TracerImpl {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': process.env.OTEL_SERVICE_NAME || 'openase',
      'service.version': resource.version,
      'service.instance.id': resource.replica,
    }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // The async-local-storage context manager (a span started in awaited work is the child of the
  // caller's) and the W3C trace-context propagator.
  provider.register();
  const tracer = provider.getTracer('openase', resource.version);
  return {
    inSpan(name, attributes, work, from) {
      const parent = from ? propagation.extract(context.active(), from) : context.active();
      return tracer.startActiveSpan(name, { attributes: attributesOf(attributes) }, parent, async (span) => {
        const note = noteFor(span);
        try {
          return await work(note);
        } catch (err) {
          note.fail(err);
          throw err;
        } finally {
          span.end();
        }
      });
    },
    recordSpan(name, attributes, startedAtMs) {
      tracer.startSpan(name, { attributes: attributesOf(attributes), startTime: startedAtMs }, context.active()).end();
    },
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
}
