import { errors } from '../errors.js';
import { bearer, safeEqual } from '../lib/api-keys.js';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { responses } from '../schema/common.js';

const Status = Type.Object({ status: Type.String() }, { additionalProperties: false });

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/healthz', { schema: { operationId: 'healthz', tags: ['operations'], security: [], summary: 'The process is alive', response: responses({ 200: Status }) } }, async () => ({
    status: 'ok',
  }));

  app.get('/readyz', { schema: { operationId: 'readyz', tags: ['operations'], security: [], summary: 'The state store answers', response: { 200: Status, 503: Status } } }, async (request, reply) => {
    try {
      await app.db.ping();
      return { status: 'ready' };
    } catch (err) {
      request.log.warn({ err }, 'readiness check: the state store does not answer');
      return reply.code(503).send({ status: 'state store unreachable' });
    }
  });

  app.get(
    '/metrics',
    {
      schema: {
        operationId: 'metrics',
        tags: ['operations'],
        security: [],
        summary: 'Prometheus metrics: HTTP and S3 request histograms, per-tenant pool gauges. With S3GATE_METRICS_TOKEN set, send it as Authorization: Bearer <token> (401 otherwise)',
        produces: ['text/plain'],
        response: { 200: { content: { 'text/plain': { schema: { type: 'string' } } } }, 401: { $ref: 'ErrorResponse#' } },
      },
    },
    async (request, reply) => {
      // The figures name every tenant and its traffic: an operator keeps them private with a token.
      const token = app.config.metricsToken;
      if (token) {
        const given = bearer(request.headers.authorization);
        if (!given || !safeEqual(given, token)) throw new errors.MetricsUnauthorized();
      }
      reply.type(app.metrics.registry.contentType);
      return app.metrics.registry.metrics();
    },
  );
};
