import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Empty, responses } from '../schema/common.js';
import type { AppServices } from '../services/index.js';
import {
  DeliveryDetail,
  DeliveryList,
  DeliveryListQuery,
  DeliveryParams,
  ReplayBody,
  TestResult,
  WebhookCreate,
  WebhookList,
  WebhookListQuery,
  WebhookParams,
  WebhookPatch,
  WebhookWithSecret,
} from '../schema/webhooks.js';
import { Webhook } from '../model/webhook.js';

const tags = ['webhooks'];

/** Webhook subscriptions of the tenant and their delivery log. */
export const webhookRoutes: FastifyPluginAsyncTypebox<{ services: AppServices }> = async (app, { services }) => {
  app.post(
    '/webhooks',
    {
      schema: { operationId: 'createWebhook', tags, summary: 'Subscribe a URL to object events; the secret is shown only here', body: WebhookCreate, response: responses({ 201: WebhookWithSecret }) },
    },
    async (request, reply) => reply.code(201).send(await services.webhooks.create(request.ctx.tenant.id, request.body)),
  );

  app.get(
    '/webhooks',
    { schema: { operationId: 'listWebhooks', tags, summary: 'The subscriptions, in id order, a page at a time', querystring: WebhookListQuery, response: responses({ 200: WebhookList }) } },
    async (request) => services.webhooks.page(request.ctx.tenant.id, { cursor: request.query.cursor, limit: request.query.limit ?? 100 }),
  );

  app.get('/webhooks/:id', { schema: { operationId: 'getWebhook', tags, params: WebhookParams, response: responses({ 200: Type.Ref(Webhook) }) } }, async (request) =>
    services.webhooks.get(request.ctx.tenant.id, request.params.id),
  );

  app.patch('/webhooks/:id', { schema: { operationId: 'updateWebhook', tags, params: WebhookParams, body: WebhookPatch, response: responses({ 200: Type.Ref(Webhook) }) } }, async (request) =>
    services.webhooks.update(request.ctx.tenant.id, request.params.id, request.body),
  );

  app.delete(
    '/webhooks/:id',
    { schema: { operationId: 'deleteWebhook', tags, summary: 'Unsubscribe; pending deliveries are dropped', params: WebhookParams, response: responses({ 204: Empty }) } },
    async (request, reply) => {
      await services.webhooks.delete(request.ctx.tenant.id, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/webhooks/:id/rotate-secret',
    {
      schema: {
        operationId: 'rotateWebhookSecret',
        tags,
        summary: 'A new secret; for 24 h deliveries carry signatures by the old and the new one',
        params: WebhookParams,
        response: responses({ 200: WebhookWithSecret }),
      },
    },
    async (request) => services.webhooks.rotateSecret(request.ctx.tenant.id, request.params.id),
  );

  app.post(
    '/webhooks/:id/test',
    { schema: { operationId: 'testWebhook', tags, summary: 'Send a signed s3:TestEvent now and report the answer', params: WebhookParams, response: responses({ 200: TestResult }) } },
    async (request) => {
      const r = await services.webhooks.test(request.ctx.tenant.id, request.params.id);
      return { eventId: r.eventId, ok: r.ok, status: r.status, durationMs: r.durationMs, error: r.error, excerpt: r.excerpt };
    },
  );

  app.get(
    '/webhooks/:id/deliveries',
    { schema: { operationId: 'listDeliveries', tags, params: WebhookParams, querystring: DeliveryListQuery, response: responses({ 200: DeliveryList }) } },
    async (request) => services.webhooks.deliveries(request.ctx.tenant.id, request.params.id, { ...request.query, limit: request.query.limit ?? 100 }),
  );

  app.get(
    '/webhooks/:id/deliveries/:deliveryId',
    { schema: { operationId: 'getDelivery', tags, summary: 'One delivery with every attempt', params: DeliveryParams, response: responses({ 200: DeliveryDetail }) } },
    async (request) => services.webhooks.delivery(request.ctx.tenant.id, request.params.id, request.params.deliveryId),
  );

  app.post(
    '/webhooks/:id/deliveries/:deliveryId/retry',
    {
      schema: {
        operationId: 'retryDelivery',
        tags,
        summary: 'Deliver again now',
        params: DeliveryParams,
        response: responses({ 202: Type.Object({ id: Type.String(), status: Type.Literal('pending') }) }),
      },
    },
    async (request, reply) => {
      await services.webhooks.retry(request.ctx.tenant.id, request.params.id, request.params.deliveryId);
      return reply.code(202).send({ id: request.params.deliveryId, status: 'pending' as const });
    },
  );

  app.post(
    '/webhooks/:id/replay',
    {
      schema: {
        operationId: 'replayWebhook',
        tags,
        summary: 'Send again every logged event since a time (until another) that the subscription matches',
        params: WebhookParams,
        body: ReplayBody,
        response: responses({ 202: Type.Object({ count: Type.Integer() }) }),
      },
    },
    async (request, reply) => reply.code(202).send({ count: await services.webhooks.replay(request.ctx.tenant.id, request.params.id, request.body.since, request.body.until) }),
  );
};
