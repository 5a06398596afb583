import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Empty, responses } from '../../schema/common.js';
import { ApiKeyCreated, ApiKeyList, PoolStats, Tenant, TenantCreate, TenantHealth, TenantPatch, TenantRemovalReport, TenantWithKey } from '../../schema/tenants.js';
import type { ResolvedTenant } from '../../model/tenant.js';
import { requireAdmin } from '../../plugins/auth.js';
import { adminS3KeyRoutes } from '../s3-keys.js';
import type { AppServices } from '../../services/index.js';

const IdParams = Type.Object({ id: Type.String() });
const VerifyQuery = Type.Object({
  verify: Type.Optional(Type.Boolean({ description: "Check the S3 settings with one cheap S3 call (ListBuckets) first: 422 with S3's answer, and nothing saved, when they do not work" })),
});
const tags = ['admin'];
const security = [{ adminToken: [] }];

/** Tenants, their API keys and their live pool figures; admin token only. */
export const adminTenantRoutes: FastifyPluginAsyncTypebox<{ services: AppServices }> = async (app, { services }) => {
  app.addHook('onRequest', requireAdmin);
  await app.register(adminS3KeyRoutes, { services });

  app.post(
    '/tenants',
    {
      schema: {
        operationId: 'createTenant',
        tags,
        security,
        summary: 'Create a tenant and its first API key (shown once)',
        querystring: VerifyQuery,
        body: TenantCreate,
        response: responses({ 201: TenantWithKey }),
      },
    },
    async (request, reply) => {
      const verify = request.query.verify ? (t: ResolvedTenant) => services.connections.verify(t) : undefined;
      const { tenant, apiKey, apiKeyId } = await services.tenants.create(request.body, { verify });
      return reply.code(201).send({ ...tenant, apiKey, apiKeyId });
    },
  );

  app.get('/tenants', { schema: { operationId: 'listTenants', tags, security, response: responses({ 200: Type.Object({ tenants: Type.Array(Type.Ref(Tenant)) }) }) } }, async () => ({
    tenants: await services.tenants.list(),
  }));

  app.get('/tenants/:id', { schema: { operationId: 'getTenant', tags, security, params: IdParams, response: responses({ 200: Type.Ref(Tenant) }) } }, async (request) =>
    services.tenants.get(request.params.id),
  );

  app.patch(
    '/tenants/:id',
    {
      schema: {
        operationId: 'updateTenant',
        tags,
        security,
        summary: 'Change settings; new requests use them at once, in-flight ones finish on the old client',
        params: IdParams,
        querystring: VerifyQuery,
        body: TenantPatch,
        response: responses({ 200: Type.Ref(Tenant) }),
      },
    },
    async (request) => services.tenants.patch(request.params.id, request.body, { verify: request.query.verify ? (t) => services.connections.verify(t) : undefined }),
  );

  app.delete(
    '/tenants/:id',
    {
      schema: {
        operationId: 'deleteTenant',
        tags,
        security,
        summary:
          'Delete a tenant and everything of it in the gateway (keys, webhooks, deliveries and attempts, events, ingest token, notification wiring) in one transaction; removes the native notifications it wired on the backend; closes its pool',
        params: IdParams,
        querystring: Type.Object({
          purgeObjects: Type.Optional(
            Type.Boolean({ description: "Disk-driver tenants: delete the tenant's buckets and objects too. Without it they are set aside, out of reach of any future tenant given the same id" }),
          ),
        }),
        response: responses({ 200: TenantRemovalReport }),
      },
    },
    async (request) => services.tenantRemoval.remove(request.params.id, { purgeObjects: request.query.purgeObjects ?? false, log: request.log }),
  );

  app.get(
    '/tenants/:id/keys',
    { schema: { operationId: 'listApiKeys', tags, security, summary: "The tenant's API keys: ids and dates, never the keys", params: IdParams, response: responses({ 200: ApiKeyList }) } },
    async (request) => ({ apiKeys: await services.tenants.listKeys(request.params.id) }),
  );

  app.post(
    '/tenants/:id/keys',
    { schema: { operationId: 'createApiKey', tags, security, summary: 'A new API key (shown once)', params: IdParams, response: responses({ 201: ApiKeyCreated }) } },
    async (request, reply) => reply.code(201).send(await services.tenants.createKey(request.params.id)),
  );

  app.delete(
    '/tenants/:id/keys/:keyId',
    {
      schema: {
        operationId: 'revokeApiKey',
        tags,
        security,
        summary: 'Revoke an API key',
        params: Type.Object({ id: Type.String(), keyId: Type.String() }),
        response: responses({ 204: Empty }),
      },
    },
    async (request, reply) => {
      await services.tenants.revokeKey(request.params.id, request.params.keyId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/tenants/:id/ingest-token',
    {
      schema: {
        operationId: 'createIngestToken',
        tags,
        security,
        summary: 'A secret URL path for native S3 notifications of this tenant; the previous token stops working',
        params: IdParams,
        response: responses({ 201: Type.Object({ token: Type.String(), path: Type.String({ description: '/ingest/s3/{token}' }) }, { additionalProperties: false }) }),
      },
    },
    async (request, reply) => {
      const tenant = await services.tenants.resolve(request.params.id);
      return reply.code(201).send(await services.ingest.rotateToken(tenant.id));
    },
  );

  app.get(
    '/tenants/:id/health',
    {
      schema: {
        operationId: 'getTenantHealth',
        tags,
        security,
        summary: "One cheap S3 call (ListBuckets) with the tenant's settings, even while its circuit is open: its latency and error, and the circuit's state",
        params: IdParams,
        response: responses({ 200: TenantHealth }),
      },
    },
    async (request) => services.connections.health(await services.tenants.resolve(request.params.id)),
  );

  app.get(
    '/tenants/:id/pool',
    { schema: { operationId: 'getTenantPool', tags, security, summary: 'Live pool figures of this tenant', params: IdParams, response: responses({ 200: PoolStats }) } },
    async (request) => services.connections.poolStats(await services.tenants.resolve(request.params.id)),
  );
};
