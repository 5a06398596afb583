import { randomUUID } from 'node:crypto';
import { maxHeaderSize } from 'node:http';
import { STATUS_CODES } from 'node:http';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { errorCodes, errors, logLevelOf, toApiError } from './errors.js';
import { requireTenant } from './plugins/auth.js';
import { redactUrl } from './lib/redact.js';
import { capConnections } from './lib/connection-cap.js';
import { metricsPlugin } from './plugins/metrics.js';
import { logRequests } from './plugins/request-log.js';
import { parserErrorHandler, serverOptions, startErrorAnswer } from './plugins/http.js';
import { traceRequests } from './plugins/tracing.js';
import { statePlugin } from './plugins/state.js';
import { servicesPlugin } from './plugins/services.js';
import { adminTenantRoutes } from './routes/admin/tenants.js';
import { adminMasterKeyRoutes } from './routes/admin/master-key.js';
import { bucketRoutes } from './routes/buckets.js';
import { eventRoutes } from './routes/events.js';
import { webhookRoutes } from './routes/webhooks.js';
import { s3KeyRoutes } from './routes/s3-keys.js';
import { ingestRoutes } from './routes/ingest.js';
import { Delivery, Webhook } from './model/webhook.js';
import { healthRoutes } from './routes/health.js';
import { graphqlRoutes } from './routes/graphql/index.js';
import { consoleRoutes } from './routes/console.js';
import { adminStatsRoutes, statsRoutes } from './routes/stats.js';
import { StatsByClass, StatsPercentiles } from './schema/stats.js';
import { countApiRequests } from './plugins/stats.js';
import { buildS3Door } from './door/index.js';
import { objectRoutes } from './routes/objects.js';
import { presignedRoutes } from './routes/presigned.js';
import { uploadRoutes } from './routes/uploads.js';
import { versionTagRoutes } from './routes/versions-tags.js';
import { EXPOSED_HEADERS, tusRoutes } from './routes/tus.js';
import { ErrorResponse } from './schema/common.js';
import { Tenant } from './schema/tenants.js';
import { ObjectEvent } from './model/event.js';
import { openapiDocument } from './schema/openapi.js';

export interface BuildOptions {
  /** false for silence, or pino options (level, stream) merged over the defaults. */
  logger?: false | { level?: string; stream?: { write(line: string): void } };
  /** Called for every route as it is registered (tooling: the contract test walks them). */
  onRoute?: (route: { method: string | string[]; url: string }) => void;
}

/** Request log fields, without the credentials a URL may carry. */
function serializeRequest(req: { method: string; url: string; id: string }) {
  return { method: req.method, url: redactUrl(req.url), reqId: req.id };
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Longest path parameter (a bucket name, a webhook id); object keys are wildcards and not limited by it. */
const MAX_PARAM_LENGTH = 256;

/**
 * What Node's HTTP parser refuses (bad Content-Length, Content-Length with chunked, bad chunk framing,
 * NUL or CR in a header, headers too large, a request not received in time), in the API's error shape.
 */
const clientError = parserErrorHandler((err) => {
  const apiError =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new errors.HeadersTooLarge(maxHeaderSize)
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new errors.RequestTimeout('the headers or body did not arrive within the server timeout')
        : new errors.MalformedRequest(PARSER_ERRORS[err.code ?? ''] ?? 'the request could not be parsed');
  const body = JSON.stringify({ statusCode: apiError.statusCode, code: apiError.code, error: STATUS_CODES[apiError.statusCode], message: apiError.message });
  return { code: apiError.code, status: apiError.statusCode, reason: STATUS_CODES[apiError.statusCode] ?? 'Bad Request', contentType: 'application/json; charset=utf-8', body };
});

/** What llhttp's codes mean to a client. */
const PARSER_ERRORS: Record<string, string> = {
  HPE_INVALID_CONTENT_LENGTH: 'Content-Length is not a number',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'send Content-Length or Transfer-Encoding: chunked, not both',
  HPE_INVALID_TRANSFER_ENCODING: 'Transfer-Encoding must end with chunked and must not come with Content-Length',
  HPE_INVALID_CHUNK_SIZE: 'a chunk size of the chunked body is not hexadecimal',
  HPE_INVALID_HEADER_TOKEN: 'a header name or value has a character HTTP does not allow (NUL, CR, LF)',
  HPE_LF_EXPECTED: 'a line does not end with CRLF',
  HPE_CR_EXPECTED: 'a line does not end with CRLF',
  HPE_INVALID_METHOD: 'the method is not an HTTP token',
  HPE_INVALID_URL: 'the request target is not a valid URL',
  HPE_INVALID_VERSION: 'the HTTP version is not 1.0 or 1.1',
  HPE_INVALID_CONSTANT: 'the request line is not HTTP',
};

/** Builds the gateway; never listens (serve.ts does). */
export async function buildApp(config: Config, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger === false ? false : { level: config.logLevel, ...(typeof opts.logger === 'object' ? opts.logger : {}), serializers: { req: serializeRequest } },
    // A caller's X-Request-Id names its request in the logs and the answer when it looks like an id
    // (letters, digits, . _ -, at most 128); anything else gets one of ours, so no caller can put
    // arbitrary text into the logs through it.
    ...serverOptions(config),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true } },
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // URL errors of the router go through the error handler, with a code like every other answer.
    frameworkErrors: (err, _request, reply) => {
      const mapped: Error =
        err.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new errors.UrlTooLong(MAX_PARAM_LENGTH)
          : err.code === 'FST_ERR_BAD_URL'
            ? new errors.MalformedRequest("the URL's percent-encoding is not valid UTF-8")
            : err;
      void reply.send(mapped as never);
    },
    // Errors Node's HTTP parser finds before a request exists (framing, headers, timeouts).
    clientErrorHandler: clientError,
  }).withTypeProvider<TypeBoxTypeProvider>();

  if (opts.onRoute) app.addHook('onRoute', opts.onRoute);
  if (config.tracing.enabled) traceRequests(app, 'api', (request) => (request.routeOptions.schema as { operationId?: string } | undefined)?.operationId);
  logRequests(app);
  // Expect: 100-continue is answered after the onRequest hooks (the API key, the rate limit) have passed,
  // just before the body is read, not by Node on arrival: a refused upload never sends its body.
  app.server.on('checkContinue', (req, res) => app.server.emit('request', req, res));
  app.addHook('preParsing', async (request, reply, payload) => {
    if (/100-continue/i.test(String(request.headers.expect ?? '')) && !reply.raw.headersSent) reply.raw.writeContinue();
    return payload;
  });
  // No answer of the gateway is ever sniffed into a type it was not sent as. Every answer names its
  // request (the caller's X-Request-Id, or one made here), as its log lines do.
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-request-id', request.id);
  });
  // Ajv coerces a query value such as "Infinity" or "1e400" to a number and then skips that number's
  // bounds (it checks them for finite numbers only): one that is not finite is refused here.
  app.addHook('preHandler', async (request) => {
    const query = request.query as Record<string, unknown> | undefined;
    if (!query || typeof query !== 'object') return;
    for (const [name, value] of Object.entries(query)) {
      if (typeof value === 'number' && !Number.isFinite(value)) throw new errors.Validation(`querystring/${name} must be a finite number`);
    }
  });
  app.addSchema(ErrorResponse);
  app.addSchema(Tenant);
  app.addSchema(ObjectEvent);
  app.addSchema(Webhook);
  app.addSchema(Delivery);
  app.addSchema(StatsPercentiles);
  app.addSchema(StatsByClass);
  // JSON routes take JSON only: a text/plain body is refused with 415, not parsed as a string.
  app.removeContentTypeParser('text/plain');
  await app.register(swagger, openapiDocument(config, errorCodes));

  // Pages of the origins the operator lists may call the API (tus uploads from a browser, presigned
  // URLs, GraphQL): preflights are answered for any route, and the headers clients need are readable.
  if (config.corsOrigins.length > 0) {
    const any = config.corsOrigins.includes('*');
    await app.register(cors, {
      // false for a request of no listed origin (or none: curl, servers): no CORS, and an OPTIONS
      // without a preflight's headers reaches its route (tus's discovery).
      origin: (origin, cb) => cb(null, origin !== undefined && (any || config.corsOrigins.includes(origin.toLowerCase())) ? origin : false),
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: 86_400,
    });
  }
  await app.register(metricsPlugin);
  capConnections(app.server, config.http.maxConnections, () => app.metrics.connectionsDropped.inc({ listener: 'api' }));
  await app.register(statePlugin, { config });
  await app.register(servicesPlugin);
  const { services } = app;

  app.setErrorHandler((raw: FastifyError, request, reply) => {
    const err = toApiError(raw, request.headers['content-type'], request.routeOptions.bodyLimit);
    return startErrorAnswer(request, reply, { code: err.code, status: err.statusCode, message: err.message, headers: err.headers, level: logLevelOf(err), cause: raw }).send({
      statusCode: err.statusCode,
      code: err.code,
      error: STATUS_CODES[err.statusCode] ?? (err.statusCode === 499 ? 'Client Closed Request' : 'Error'),
      message: err.message,
      ...(err.upstream && { upstream: err.upstream }),
    });
  });
  app.setNotFoundHandler((request) => {
    throw new errors.RouteNotFound(request.method, request.url.split('?')[0]);
  });

  countApiRequests(app, services.stats);
  await app.register(healthRoutes);
  await app.register(adminTenantRoutes, { services, prefix: '/admin' });
  await app.register(adminMasterKeyRoutes, { services, prefix: '/admin' });
  await app.register(adminStatsRoutes, { services, prefix: '/admin' });
  await app.register(ingestRoutes, { services });
  await app.register(
    async (v1) => {
      await v1.register(async (tenantApi) => {
        tenantApi.addHook('onRequest', requireTenant);
        await tenantApi.register(bucketRoutes, { services });
        await tenantApi.register(objectRoutes, { services });
        await tenantApi.register(uploadRoutes, { services });
        await tenantApi.register(versionTagRoutes, { services });
        await tenantApi.register(eventRoutes, { services });
        await tenantApi.register(webhookRoutes, { services });
        await tenantApi.register(s3KeyRoutes, { services });
        await tenantApi.register(statsRoutes, { services });
      });
      await v1.register(presignedRoutes, { services });
      await v1.register(tusRoutes, { services });
    },
    { prefix: '/v1' },
  );
  await app.register(graphqlRoutes, { services });
  await app.register(consoleRoutes);
  // The S3-protocol door: its own listener (serve.ts), the same services.
  const door = buildS3Door({ config, log: app.log, metrics: app.metrics, services });
  app.decorate('s3door', door);
  app.addHook('onReady', async () => {
    await door.ready().then(() => undefined);
  });
  app.addHook('preClose', async () => {
    await door.close().then(() => undefined);
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  // Swagger UI's own policy (hashes of its inline scripts and styles), without what the API's docs need
  // not: no frames of them anywhere (the console's frame-ancestors 'none'), no form posts, no <base>,
  // nothing from other origins; upgrade-insecure-requests would break the page on plain http. Its
  // script adds inline styles, which its own policy refuses: styles may be inline, scripts may not.
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformStaticCSP: (header: string) =>
      header
        .replace("frame-ancestors 'self'", "frame-ancestors 'none'")
        .replace("base-uri 'self'", "base-uri 'none'")
        .replace(/ https:| validator\.swagger\.io/g, '')
        .replace(/style-src 'self'[^;]*;/, "style-src 'self' 'unsafe-inline';")
        .replace(/\s*upgrade-insecure-requests;/, '') + " form-action 'none';",
  });
  return app;
}
