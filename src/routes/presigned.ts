import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../errors.js';
import { bindTenant } from '../plugins/auth.js';
import { described, responses } from '../schema/common.js';
import { ObjectParams, PresignedQuery, StoredObject } from '../schema/objects.js';
import { conditionsOf, sendObject } from './objects.js';
import { putRaw } from './uploads.js';
import { parseRange } from '../s3/ranges.js';
import type { Static } from '@sinclair/typebox';
import type { AppServices } from '../services/index.js';

const tags = ['presigned'];

/** URLs signed by POST /v1/presign for tenants on the disk driver: the signature replaces the API key. */
export const presignedRoutes: FastifyPluginAsyncTypebox<{ services: AppServices }> = async (app, { services }) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  async function authorize(request: FastifyRequest, reply: FastifyReply, method: 'GET' | 'PUT') {
    const q = request.query as Static<typeof PresignedQuery>;
    const { bucket, '*': key } = request.params as Static<typeof ObjectParams>;
    if (q.method !== method) throw new errors.PresignInvalid(`it was signed for ${q.method}, not ${method}`);
    const tenant = await services.presign.verify({ tenant: q.tenant, method, bucket, key, expires: q.expires, contentType: q.contentType }, q.signature);
    if (method === 'PUT' && q.contentType && request.headers['content-type'] !== q.contentType) {
      throw new errors.PresignInvalid(`it requires Content-Type: ${q.contentType}`);
    }
    bindTenant(request, reply, tenant);
  }

  const schema = { tags, params: ObjectParams, querystring: PresignedQuery, security: [] };

  app.get(
    '/presigned/:bucket/*',
    { schema: { ...schema, operationId: 'getPresigned', summary: 'Download through a gateway-presigned URL (disk driver)', response: responses({ 200: described({ description: 'The object' }) }) } },
    async (request, reply) => {
      await authorize(request, reply, 'GET');
      const res = await services.objects.get(request.ctx, request.params.bucket, request.params['*'], { range: parseRange(request.headers.range), conditions: conditionsOf(request) });
      return sendObject(reply, res);
    },
  );

  app.put(
    '/presigned/:bucket/*',
    { schema: { ...schema, operationId: 'putPresigned', summary: 'Upload through a gateway-presigned URL (disk driver)', response: responses({ 201: StoredObject }) } },
    async (request, reply) => {
      await authorize(request, reply, 'PUT');
      return reply.code(201).send(await putRaw(services.objects, request.ctx, request, request.params.bucket, request.params['*']));
    },
  );
};
