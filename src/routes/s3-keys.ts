import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Empty, responses } from '../schema/common.js';
import { S3KeyCreated, S3KeyList, S3KeyParams } from '../schema/s3-keys.js';
import type { AppServices } from '../services/index.js';

const tags = ['s3-keys'];

/** A tenant's own S3 access keys (for S3 clients: boto3, the AWS CLI, rclone). */
export const s3KeyRoutes: FastifyPluginAsyncTypebox<{ services: AppServices }> = async (app, { services }) => {
  app.post(
    '/s3-keys',
    { schema: { operationId: 'createOwnS3Key', tags, summary: 'A new S3 access key pair for this tenant; the secret is shown only here', response: responses({ 201: S3KeyCreated }) } },
    async (request, reply) => reply.code(201).send(await services.s3Keys.create(request.ctx.tenant.id)),
  );
  app.get('/s3-keys', { schema: { operationId: 'listOwnS3Keys', tags, summary: "This tenant's S3 access keys, without secrets", response: responses({ 200: S3KeyList }) } }, async (request) => ({
    s3Keys: await services.s3Keys.list(request.ctx.tenant.id),
  }));
  app.delete(
    '/s3-keys/:accessKeyId',
    { schema: { operationId: 'revokeOwnS3Key', tags, summary: 'Revoke an S3 access key, at once in every process', params: S3KeyParams, response: responses({ 204: Empty }) } },
    async (request, reply) => {
      await services.s3Keys.revoke(request.ctx.tenant.id, request.params.accessKeyId);
      return reply.code(204).send(null);
    },
  );
};

/** The same for any tenant, with the admin token. */
export const adminS3KeyRoutes: FastifyPluginAsyncTypebox<{ services: AppServices }> = async (app, { services }) => {
  const IdParams = Type.Object({ id: Type.String() });
  const security = [{ adminToken: [] }];
  app.post(
    '/tenants/:id/s3-keys',
    {
      schema: {
        operationId: 'createS3Key',
        tags: ['admin'],
        security,
        summary: 'A new S3 access key pair for the tenant; the secret is shown only here',
        params: IdParams,
        response: responses({ 201: S3KeyCreated }),
      },
    },
    async (request, reply) => reply.code(201).send(await services.s3Keys.create(request.params.id)),
  );
  app.get(
    '/tenants/:id/s3-keys',
    { schema: { operationId: 'listS3Keys', tags: ['admin'], security, summary: "The tenant's S3 access keys, without secrets", params: IdParams, response: responses({ 200: S3KeyList }) } },
    async (request) => ({ s3Keys: await services.s3Keys.list(request.params.id) }),
  );
  app.delete(
    '/tenants/:id/s3-keys/:accessKeyId',
    {
      schema: {
        operationId: 'revokeS3Key',
        tags: ['admin'],
        security,
        summary: 'Revoke an S3 access key, at once in every process',
        params: Type.Object({ id: Type.String(), accessKeyId: Type.String() }),
        response: responses({ 204: Empty }),
      },
    },
    async (request, reply) => {
      await services.s3Keys.revoke(request.params.id, request.params.accessKeyId);
      return reply.code(204).send(null);
    },
  );
};
