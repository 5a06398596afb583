import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errors } from '../errors.js';
import { responses } from '../schema/common.js';

const IngestResult = Type.Object(
  {
    accepted: Type.Integer({ description: 'Events recorded' }),
    duplicates: Type.Integer({ description: 'Events already recorded (from the gateway\'s own write, or sent again)' }),
    ignored: Type.Integer({ description: 'Records of other event types, and S3 test events' }),
    subscribed: Type.Optional(Type.Boolean({ description: 'An SNS subscription was confirmed' })),
  },
  { additionalProperties: false },
);

/** Native S3 event notifications, authorised by the secret token in the path. */
export const ingestRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.removeAllContentTypeParsers();
  // SNS posts JSON as text/plain; RGW, MinIO and EventBridge targets as application/json.
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string', bodyLimit: 4 * 1024 * 1024 }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new errors.InvalidEvent('the body is not JSON'), undefined);
    }
  });

  app.post(
    '/ingest/s3/:token',
    {
      schema: {
        operationId: 'ingestS3Events',
        tags: ['events'],
        summary: 'Receives native S3 notifications: S3 event Records (AWS, Ceph RGW, MinIO), SNS messages, EventBridge events',
        security: [],
        params: Type.Object({ token: Type.String() }),
        response: responses({ 200: IngestResult }),
      },
    },
    async (request) => {
      const result = await app.ingest.ingest(request.params.token, request.body);
      request.log.info({ ...result }, 'native notification ingested');
      return result;
    },
  );
};
