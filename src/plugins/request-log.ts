import type { FastifyInstance, FastifyRequest } from 'fastify';
import { redactUrl } from '../lib/redact.js';
import { PROBE_ROUTES, traceErrorCode } from './tracing.js';

const kCode = Symbol('s3gate.errorCode');
type Noted = FastifyRequest & { [kCode]?: string };

/** Notes the code of a refused or failed request, for its log line and its span. */
export function noteErrorCode(request: FastifyRequest, code: string): void {
  (request as Noted)[kCode] = code;
  traceErrorCode(request, code);
}

/**
 * One log line per request, when its answer has been sent: method, URL (without credentials), status,
 * time, the error code of a refused request, the tenant (bound on the request's logger). Health checks
 * and scrapes at debug. A request whose client went away first gets a line saying so.
 */
export function logRequests(app: FastifyInstance): void {
  app.addHook('onResponse', (request: Noted, reply, done) => {
    const route = request.routeOptions.url;
    const fields = {
      req: { method: request.method, url: redactUrl(request.url) },
      res: { statusCode: reply.statusCode },
      responseTime: Math.round(reply.elapsedTime * 10) / 10,
      ...(request[kCode] && { code: request[kCode] }),
    };
    if (route !== undefined && PROBE_ROUTES.has(route)) request.log.debug(fields, 'request completed');
    else request.log.info(fields, 'request completed');
    done();
  });
  app.addHook('onRequestAbort', (request: Noted, done) => {
    request.log.info({ req: { method: request.method, url: redactUrl(request.url) } }, 'request aborted: the client went away before the answer');
    done();
  });
}
