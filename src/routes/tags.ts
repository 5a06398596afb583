import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Empty, responses } from '../schema/common.js';
import { ObjectParams, ObjectTags } from '../schema/objects.js';
import type { AppServices } from '../services/index.js';

const tags = ['objects'];

/** An object's tags (S3's object tagging), on every driver: read, replace, remove. */
export const tagRoutes: FastifyPluginAsyncTypebox<{ services: AppServices }> = async (app, { services }) => {
  app.get(
    '/buckets/:bucket/tags/*',
    { schema: { operationId: 'getObjectTags', tags, summary: "The object's tags", params: ObjectParams, response: responses({ 200: ObjectTags }) } },
    async (request) => ({ tags: await services.objects.getTags(request.ctx, request.params.bucket, request.params['*']) }),
  );

  app.put(
    '/buckets/:bucket/tags/*',
    {
      schema: {
        operationId: 'putObjectTags',
        tags,
        summary: "Replace the object's tags (at most 10); records s3:ObjectTagging:Put",
        params: ObjectParams,
        body: ObjectTags,
        response: responses({ 200: ObjectTags }),
      },
    },
    async (request) => {
      await services.objects.putTags(request.ctx, request.params.bucket, request.params['*'], request.body.tags);
      return { tags: request.body.tags };
    },
  );

  app.delete(
    '/buckets/:bucket/tags/*',
    { schema: { operationId: 'deleteObjectTags', tags, summary: "Remove the object's tags; records s3:ObjectTagging:Delete", params: ObjectParams, response: responses({ 204: Empty }) } },
    async (request, reply) => {
      await services.objects.putTags(request.ctx, request.params.bucket, request.params['*'], {});
      return reply.code(204).send(null);
    },
  );
};
