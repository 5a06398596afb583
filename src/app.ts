import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { errorCodes, errors, toApiError } from './errors.js';
import { requireTenant } from './plugins/auth.js';
import { metricsPlugin } from './plugins/metrics.js';
import { statePlugin } from './plugins/state.js';
import { storagePlugin } from './plugins/storage.js';
import { adminTenantRoutes } from './routes/admin/tenants.js';
import { bucketRoutes } from './routes/buckets.js';
import { eventRoutes } from './routes/events.js';
import { webhookRoutes } from './routes/webhooks.js';
import { ingestRoutes } from './routes/ingest.js';
import { eventsPlugin } from './plugins/events.js';
import { Delivery, Webhook } from './schema/webhooks.js';
import { healthRoutes } from './routes/health.js';
import { graphqlRoutes } from './routes/graphql/index.js';
import { objectRoutes } from './routes/objects.js';
import { presignedRoutes } from './routes/presigned.js';
import { uploadRoutes } from './routes/uploads.js';
import { ErrorResponse } from './schema/common.js';
import { Tenant } from './schema/tenants.js';
import { ObjectEvent } from './schema/events.js';
import { openapiDocument } from './schema/openapi.js';

export interface BuildOptions {
  /** false for silence, or pino options (level, stream) merged over the defaults. */
  logger?: false | { level?: string; stream?: { write(line: string): void } };
  /** Called for every route as it is registered (tooling: the contract test walks them). */
  onRoute?: (route: { method: string | string[]; url: string }) => void;
}

/** Request log fields; the signature of a presigned URL is a credential and is never logged. */
function serializeRequest(req: { method: string; url: string; id: string }) {
  return { method: req.method, url: req.url.replace(/([?&]signature=)[^&]*/i, '$1[redacted]'), reqId: req.id };
}

/** Builds the gateway; never listens (server.ts does). */
export async function buildApp(config: Config, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger === false ? false : { level: config.logLevel, ...(typeof opts.logger === 'object' ? opts.logger : {}), serializers: { req: serializeRequest } },
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    // HEAD routes are declared explicitly where they mean something (bucket and object existence).
    exposeHeadRoutes: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  if (opts.onRoute) app.addHook('onRoute', opts.onRoute);
  app.addSchema(ErrorResponse);
  app.addSchema(Tenant);
  app.addSchema(ObjectEvent);
  app.addSchema(Webhook);
  app.addSchema(Delivery);
  // JSON routes take JSON only: a text/plain body is refused with 415, not parsed as a string.
  app.removeContentTypeParser('text/plain');
  await app.register(swagger, openapiDocument(config, errorCodes));

  await app.register(metricsPlugin);
  await app.register(statePlugin, { config });
  await app.register(storagePlugin);
  await app.register(eventsPlugin);

  app.setErrorHandler((raw: FastifyError, request, reply) => {
    const err = toApiError(raw, request.headers['content-type']);
    if (err.statusCode >= 500) request.log.error({ err: raw }, 'request failed');
    else request.log.info({ code: err.code, msg: err.message }, 'request refused');
    for (const [name, value] of Object.entries(err.headers ?? {})) reply.header(name, value);
    // A body left unread (refused before or while streaming) is not drained: the connection closes.
    if (!request.raw.complete) reply.header('connection', 'close');
    return reply
      .code(err.statusCode)
      .send({ statusCode: err.statusCode, code: err.code, error: STATUS_CODES[err.statusCode] ?? 'Error', message: err.message, ...(err.upstream && { upstream: err.upstream }) });
  });
  app.setNotFoundHandler((request) => {
    throw new errors.RouteNotFound(request.method, request.url.split('?')[0]);
  });

  await app.register(healthRoutes);
  await app.register(adminTenantRoutes, { prefix: '/admin' });
  await app.register(ingestRoutes);
  await app.register(
    async (v1) => {
      await v1.register(async (tenantApi) => {
        tenantApi.addHook('onRequest', requireTenant);
        await tenantApi.register(bucketRoutes);
        await tenantApi.register(objectRoutes);
        await tenantApi.register(uploadRoutes);
        await tenantApi.register(eventRoutes);
        await tenantApi.register(webhookRoutes);
      });
      await v1.register(presignedRoutes);
    },
    { prefix: '/v1' },
  );
  await app.register(graphqlRoutes);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(swaggerUi, { routePrefix: '/docs' });
  return app;
}
