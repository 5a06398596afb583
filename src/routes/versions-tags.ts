import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Empty, responses } from '../schema/common.js';
import { BucketParams, ObjectParams, ObjectTags, VersionList, VersionListQuery } from '../schema/objects.js';
import type { AppServices } from '../services/index.js';

const tags = ['objects'];

/** A bucket's versions (S3 backends), and an object's tags (S3's object tagging) on every driver. */
export const versionTagRoutes: FastifyPluginAsyncTypebox<{ services: AppServices }> = async (app, { services }) => {
  app.get(
    '/buckets/:bucket/versions',
    {
      schema: {
        operationId: 'listObjectVersions',
        tags,
        summary: "A page of the bucket's versions and delete markers, newest first for each key (S3 backends; 400 S3GATE_NEEDS_S3_BACKEND on the disk driver)",
        params: BucketParams,
        querystring: VersionListQuery,
        response: responses({ 200: VersionList }),
      },
    },
    async (request) => {
      const page = await services.objects.listVersions(request.ctx, request.params.bucket, request.query);
      return { ...page, versions: page.versions.map((v) => ({ ...v, lastModified: v.lastModified.toISOString() })) };
    },
  );

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
