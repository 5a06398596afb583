import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Empty, responses } from '../schema/common.js';
import { BucketCreated, BucketList, BucketParams, DeleteBucketQuery, ListQuery, NotificationBody, NotificationState, ObjectList } from '../schema/objects.js';
import type { AppServices } from '../services/index.js';

const tags = ['buckets'];

export const bucketRoutes: FastifyPluginAsyncTypebox<{ services: AppServices }> = async (app, { services }) => {
  app.get('/buckets', { schema: { operationId: 'listBuckets', tags, response: responses({ 200: BucketList }) } }, async (request) => {
    const buckets = await services.buckets.list(request.ctx);
    return { buckets: buckets.map((b) => ({ name: b.name, createdAt: b.createdAt?.toISOString() ?? null })) };
  });

  app.put(
    '/buckets/:bucket',
    {
      schema: {
        operationId: 'createBucket',
        tags,
        summary: 'Create a bucket: 201, or 200 when this tenant already has it',
        params: BucketParams,
        response: responses({ 200: BucketCreated, 201: BucketCreated }),
      },
    },
    async (request, reply) => {
      const outcome = await services.buckets.create(request.ctx, request.params.bucket);
      return reply.code(outcome === 'created' ? 201 : 200).send({ name: request.params.bucket, created: outcome === 'created' });
    },
  );

  app.head(
    '/buckets/:bucket',
    { schema: { operationId: 'headBucket', tags, summary: '200 when the bucket exists for this tenant, else 404', params: BucketParams, response: responses({ 200: Empty }) } },
    async (request, reply) => {
      if (!(await services.buckets.exists(request.ctx, request.params.bucket))) return reply.code(404).send(null);
      return reply.code(200).send(null);
    },
  );

  app.delete(
    '/buckets/:bucket',
    {
      schema: {
        operationId: 'deleteBucket',
        tags,
        summary: 'Delete a bucket: 409 when not empty unless force=true',
        params: BucketParams,
        querystring: DeleteBucketQuery,
        response: responses({ 204: Empty }),
      },
    },
    async (request, reply) => {
      await services.buckets.delete(request.ctx, request.params.bucket, request.query.force ?? false);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/buckets/:bucket/objects',
    { schema: { operationId: 'listObjects', tags: ['objects'], params: BucketParams, querystring: ListQuery, response: responses({ 200: ObjectList }) } },
    async (request) => {
      const page = await services.buckets.listObjects(request.ctx, request.params.bucket, request.query);
      return { ...page, objects: page.objects.map((o) => ({ ...o, lastModified: o.lastModified.toISOString() })) };
    },
  );

  app.get(
    '/buckets/:bucket/notifications',
    {
      schema: {
        operationId: 'getBucketNotifications',
        tags,
        summary: 'Whether native S3 notifications of this bucket reach the gateway',
        params: BucketParams,
        response: responses({ 200: NotificationState }),
      },
    },
    async (request) => services.notifications.get(request.ctx, request.params.bucket),
  );

  app.put(
    '/buckets/:bucket/notifications',
    {
      schema: {
        operationId: 'setBucketNotifications',
        tags,
        summary: "Wire (or unwire) the bucket's native notifications to the gateway: an RGW topic pushing to the tenant's ingest URL under S3GATE_PUBLIC_URL",
        params: BucketParams,
        body: NotificationBody,
        response: responses({ 200: NotificationState }),
      },
    },
    async (request) => services.notifications.set(request.ctx, request.params.bucket, request.body.enabled, request.body.persistent ?? true),
  );
};
