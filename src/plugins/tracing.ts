import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { redactUrl } from '../lib/redact.js';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, tracer, type Attributes, type Span } from '../lib/tracing.js';

const kSpan = Symbol('s3gate.span');
const kOperation = Symbol('s3gate.operation');

type Traced = FastifyRequest & { [kSpan]?: Span; [kOperation]?: string };

/** Routes a load balancer or Prometheus calls every few seconds: not traced, logged at debug only. */
export const PROBE_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * One SERVER span per request of a face (the API, the S3 door): `<METHOD> <route>`, a child of the
 * caller's `traceparent` when it sends one, with the tenant, the operation and the error code. The
 * request's work (S3 calls, the event record) runs inside it: the span is the active context from
 * the first hook on (Fastify runs a body's parser in the request's async scope, so a body that
 * arrives slowly keeps it). Installed only when tracing is on.
 */
export function traceRequests(app: FastifyInstance, face: 'api' | 's3', operationOf: (request: FastifyRequest) => string | undefined): void {
  app.addHook('onRequest', (request: Traced, reply, done) => {
    const route = request.routeOptions.url;
    if (route !== undefined && PROBE_ROUTES.has(route)) return done();
    const parent = request.headers.traceparent === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, request.headers);
    const span = tracer.startSpan(route === undefined ? request.method : `${request.method} ${route}`, { kind: SpanKind.SERVER }, parent);
    // Attributes only on a span the sampler kept: an unsampled request pays for none of them.
    if (span.isRecording()) {
      const q = request.url.indexOf('?');
      const attributes: Attributes = { 'http.request.method': request.method, 'url.path': redactUrl(q < 0 ? request.url : request.url.slice(0, q)), 's3gate.face': face, 'client.address': request.ip };
      if (route !== undefined) attributes['http.route'] = route;
      span.setAttributes(attributes);
    }
    request[kSpan] = span;
    reply.raw.once('close', () => end(request, reply, span, face, operationOf));
    context.with(trace.setSpan(parent, span), done);
  });
}

/** Notes the answer's error code (S3GATE_…, or S3's) on the request's span. */
export function traceErrorCode(request: FastifyRequest, code: string): void {
  (request as Traced)[kSpan]?.setAttribute('s3gate.code', code);
}

/** Names the operation of a request whose route serves many (GraphQL: `query listObjects`). */
export function traceOperation(request: FastifyRequest, operation: string): void {
  if ((request as Traced)[kSpan]) (request as Traced)[kOperation] = operation;
}

function end(request: Traced, reply: FastifyReply, span: Span, face: 'api' | 's3', operationOf: (request: FastifyRequest) => string | undefined): void {
  if (!span.isRecording()) return;
  const status = reply.statusCode;
  const tenant = request.ctx?.tenant.id;
  const operation = request[kOperation] ?? operationOf(request);
  span.setAttribute('http.response.status_code', status);
  if (tenant) span.setAttribute('s3gate.tenant', tenant);
  if (operation) span.setAttribute('s3gate.operation', operation);
  // The door's one route serves every S3 operation: its spans are named by the operation.
  if (face === 's3' && operation) span.updateName(`s3door.${operation}`);
  // The client went away before the whole answer was written.
  if (!reply.raw.writableFinished) span.setAttribute('s3gate.aborted', true);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
