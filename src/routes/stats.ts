import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requireAdmin } from '../plugins/auth.js';
import { responses } from '../schema/common.js';
import { AdminStats, AdminStatsQuery, StatsQuery, TenantStats, WebhookStats } from '../schema/stats.js';
import { WebhookParams } from '../schema/webhooks.js';
import type { AppServices } from '../services/index.js';

const tags = ['stats'];

/** A tenant's recent figures, and each of its subscriptions': what the console's dashboards draw. */
export const statsRoutes: FastifyPluginAsyncTypebox<{ services: AppServices }> = async (app, { services }) => {
  app.get(
    '/stats',
    {
      schema: {
        operationId: 'getStats',
        tags,
        summary:
          "This tenant's requests, errors, bytes, latency, events, deliveries, pool use and rate-limit refusals: per 10 s over 10 minutes or per minute over an hour, counted by this process or, with REDIS_URL, by every process",
        querystring: StatsQuery,
        response: responses({ 200: TenantStats }),
      },
    },
    async (request) => {
      const tenant = request.ctx.tenant.id;
      const [frame, pendingDeliveries] = await Promise.all([services.stats.tenant(tenant, request.query.window ?? '1h'), services.webhooks.pending(tenant)]);
      return { ...frame, pendingDeliveries };
    },
  );
  app.get(
    '/webhooks/:id/stats',
    {
      schema: {
        operationId: 'getWebhookStats',
        tags: [...tags, 'webhooks'],
        summary: "A subscription's delivery outcomes and latency over time, as attempted by this process",
        params: WebhookParams,
        querystring: StatsQuery,
        response: responses({ 200: WebhookStats }),
      },
    },
    async (request) => {
      const pendingDeliveries = await services.webhooks.pending(request.ctx.tenant.id, request.params.id);
      return { ...(await services.stats.webhook(request.params.id, request.query.window ?? '1h')), pendingDeliveries };
    },
  );
};

/** The whole gateway's figures, its tenants ranked and its pools; admin token only. */
export const adminStatsRoutes: FastifyPluginAsyncTypebox<{ services: AppServices }> = async (app, { services }) => {
  app.addHook('onRequest', requireAdmin);
  app.get(
    '/stats',
    {
      schema: {
        operationId: 'getAdminStats',
        tags: ['admin', ...tags],
        security: [{ adminToken: [] }],
        summary: "Every request this process answered, its tenants ranked by traffic or errors, its pools' use over time",
        querystring: AdminStatsQuery,
        response: responses({ 200: AdminStats }),
      },
    },
    async (request) => {
      const { window = '1h', sort = 'requests', limit = 20 } = request.query;
      const [frame, tenants] = await Promise.all([services.stats.gateway(window), services.stats.ranking(window, sort, limit)]);
      return { ...frame, tenants, tracked: services.stats.tracked() };
    },
  );
};
