import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errors } from '../errors.js';
import type { ResolvedTenant } from '../model/tenant.js';
import { responses } from '../schema/common.js';
import { MAX_INGEST_BYTES, MAX_RECORDS } from '../events/native.js';
import type { AppServices } from '../services/index.js';

const IngestResult = Type.Object(
  {
    accepted: Type.Integer({ description: 'Events recorded' }),
    duplicates: Type.Integer({ description: "Events already recorded (from the gateway's own write, or sent again)" }),
    ignored: Type.Integer({ description: 'Records of other event types, and S3 test events' }),
    subscribed: Type.Optional(Type.Boolean({ description: 'An SNS subscription was confirmed' })),
  },
  { additionalProperties: false },
);

declare module 'fastify' {
  interface FastifyRequest {
    /** The tenant an ingest token names, resolved (and admitted by its rate limit) before the body is read. */
    ingestTenant: ResolvedTenant;
  }
}

/** Native S3 event notifications, authorised by the secret token in the path. */
export const ingestRoutes: FastifyPluginAsyncTypebox<{ services: AppServices }> = async (app, { services }) => {
  app.removeAllContentTypeParsers();
  // SNS posts JSON as text/plain; RGW, MinIO and EventBridge targets as application/json.
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new errors.InvalidEvent('the body is not JSON'), undefined);
    }
  });
  // The token is resolved before a byte of the body is read: a request without a valid one is answered
  // 401 and its connection closed (the error handler closes any connection whose body is unread), so no
  // one without the token can make the gateway hold a body in memory.
  app.addHook('onRequest', async (request, reply) => {
    const tenant = await services.ingest.tenantFor((request.params as { token: string }).token);
    const { headers } = await services.limits.admit(tenant);
    for (const [name, value] of Object.entries(headers)) reply.header(name, value);
    request.ingestTenant = tenant;
  });

  app.post(
    '/ingest/s3/:token',
    {
      bodyLimit: MAX_INGEST_BYTES,
      schema: {
        operationId: 'ingestS3Events',
        tags: ['events'],
        summary: 'Receives native S3 notifications: S3 event Records (AWS, Ceph RGW, MinIO), SNS messages, EventBridge events',
        description: `The token is checked before the body is read (401 without reading it). A body is at most ${MAX_INGEST_BYTES} bytes (413): ${MAX_RECORDS} records of up to 10 KiB each.`,
        security: [],
        params: Type.Object({ token: Type.String() }),
        response: responses({ 200: IngestResult }),
      },
    },
    async (request) => {
      const result = await services.ingest.ingest(request.ingestTenant, request.body);
      request.log.info({ ...result }, 'native notification ingested');
      return result;
    },
  );
};
