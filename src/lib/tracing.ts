import type { Agent, ClientRequest } from 'node:http';
import type { Socket } from 'node:net';
import { context, isSpanContextValid, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';

/**
 * The gateway's spans. Without a tracer provider (tracing off, the default) every call below is
 * OpenTelemetry's no-op: no span is recorded and nothing is allocated beyond a shared empty span.
 * src/telemetry.ts installs the SDK when OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
export const tracer = trace.getTracer('s3gate');

export { SpanKind, SpanStatusCode, context, propagation, trace, ROOT_CONTEXT, type Attributes, type Context, type Span };

/**
 * Runs fn inside a new child span of the active one (or of `parent`), ends it when fn settles, and
 * marks it failed with the error's type when fn throws.
 */
export function inSpan<T>(name: string, opts: { kind?: SpanKind; attributes?: Attributes; parent?: Context }, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, attributes: opts.attributes }, opts.parent ?? context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      failSpan(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Marks a span failed: error.type (an S3 or API code where there is one) and the exception event. */
export function failSpan(span: Span, err: unknown, type?: string): void {
  if (!span.isRecording()) return;
  const e = err as { code?: string; name?: string; message?: string } | undefined;
  span.setAttribute('error.type', type ?? e?.code ?? e?.name ?? 'Error');
  span.setStatus({ code: SpanStatusCode.ERROR, message: e?.message });
  if (err instanceof Error) span.recordException(err);
}

/**
 * The W3C traceparent of a span (`00-<trace id>-<span id>-<flags>`), to keep with work that is done
 * later (an event's webhook deliveries); null when there is no trace.
 */
export function traceparentOf(span: Span): string | null {
  const sc = span.spanContext();
  if (!isSpanContextValid(sc)) return null;
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The context of a stored traceparent (as a remote parent), or the root context. */
export function contextOf(traceparent: string | null | undefined): Context {
  const m = traceparent ? TRACEPARENT.exec(traceparent) : null;
  if (!m) return ROOT_CONTEXT;
  const sc = { traceId: m[1], spanId: m[2], traceFlags: parseInt(m[3], 16), isRemote: true };
  return isSpanContextValid(sc) ? trace.setSpanContext(ROOT_CONTEXT, sc) : ROOT_CONTEXT;
}

type AddRequest = (req: ClientRequest, options: unknown) => void;

/** On an S3 span: the time its requests waited for a socket, summed over its attempts. */
const kWaited = Symbol('s3gate.poolWait');

/**
 * Reports, on the S3 span a request is made in, how long its HTTP attempts waited for a socket of the
 * tenant's agent (its pool: maxSockets), summed (`s3gate.pool.wait_ms`), and whether the last one
 * reused a kept-alive socket. Attributes rather than an event per attempt: they cost less, and
 * s3gate.attempts counts the attempts. One check per request when tracing is off.
 */
export function traceSocketWaits<A extends Agent>(agent: A): A {
  const target = agent as unknown as { addRequest: AddRequest };
  const addRequest = target.addRequest.bind(agent);
  target.addRequest = (req, options) => {
    const span = trace.getActiveSpan();
    if (span?.isRecording()) {
      const queued = performance.now();
      req.once('socket', (socket: Socket) => {
        const s = span as Span & { [kWaited]?: number };
        const total = (s[kWaited] ?? 0) + (performance.now() - queued);
        s[kWaited] = total;
        span.setAttribute('s3gate.pool.wait_ms', Math.round(total * 1000) / 1000);
        span.setAttribute('network.connection.reused', !socket.connecting);
      });
    }
    addRequest(req, options);
  };
  return agent;
}
