import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requireAdmin } from '../../plugins/auth.js';
import { responses } from '../../schema/common.js';
import type { AppServices } from '../../services/index.js';

const RotationReport = Type.Object(
  {
    resealed: Type.Record(Type.String(), Type.Integer(), { description: 'Secrets sealed again with S3GATE_MASTER_KEY, by table' }),
    current: Type.Integer({ description: 'Secrets already sealed with it' }),
    batches: Type.Integer({ description: 'Short transactions run, each of at most `batch` rows' }),
  },
  { additionalProperties: false },
);

/** Master-key rotation; admin token only. */
export const adminMasterKeyRoutes: FastifyPluginAsyncTypebox<{ services: AppServices }> = async (app, { services }) => {
  app.addHook('onRequest', requireAdmin);
  app.post(
    '/master-key/rotate',
    {
      schema: {
        operationId: 'rotateMasterKey',
        tags: ['admin'],
        security: [{ adminToken: [] }],
        summary: 'Seal every secret again with S3GATE_MASTER_KEY',
        description:
          'Rotation without downtime: start every process with the new key as S3GATE_MASTER_KEY and the old one as S3GATE_MASTER_KEY_PREVIOUS ' +
          '(each opens both), call this once (any process; it is safe to repeat), then restart them without S3GATE_MASTER_KEY_PREVIOUS. ' +
          'Secrets are sealed again in batches of `batch` rows, one short transaction each, while tenants keep working.',
        querystring: Type.Object({ batch: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Rows per transaction' }) }),
        response: responses({ 200: RotationReport }),
      },
    },
    async (request) => {
      const report = await services.masterKeyRotation.run(request.query.batch);
      request.log.warn({ ...report }, 'secrets sealed again with the current master key');
      return report;
    },
  );
};
