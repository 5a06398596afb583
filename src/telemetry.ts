import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import type { Config } from './config.js';

function samplerOf(t: Config['tracing']): Sampler {
  const ratio = new TraceIdRatioBasedSampler(t.samplerArg);
  switch (t.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/**
 * Installs OpenTelemetry tracing for the process: spans of every request, S3 call, event record and
 * webhook delivery attempt (src/lib/tracing.ts) go to the OTLP/HTTP endpoint of
 * OTEL_EXPORTER_OTLP_ENDPOINT (or _TRACES_ENDPOINT; headers, certificates and timeouts from the
 * exporter's own OTEL_EXPORTER_OTLP_* settings), batched. Incoming `traceparent` headers are honoured
 * (W3C Trace Context). Tests pass their own exporter, sent span by span.
 *
 * Returns the shutdown, which flushes the spans still batched. Without it (tracing off) nothing of the
 * SDK is loaded into the request path: the API's no-op tracer stays.
 */
export function startTracing(config: Config, opts: { exporter?: SpanExporter } = {}): () => Promise<void> {
  const exporter = opts.exporter ?? new OTLPTraceExporter();
  const provider = new TracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': config.tracing.serviceName })),
    sampler: samplerOf(config.tracing),
    spanProcessors: [opts.exporter ? new SimpleSpanProcessor({ exporter }) : new BatchSpanProcessor({ exporter })],
  });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  return async () => {
    await provider.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  };
}
