import type { SwaggerOptions } from '@fastify/swagger';
import type { OpenAPIV3_1 } from 'openapi-types';
import type { Config } from '../config.js';

/** Request bodies that are streams, not JSON: described here because no JSON schema validates them. */
const streamedBodies: Record<string, OpenAPIV3_1.RequestBodyObject> = {
  putObject: {
    required: true,
    description: 'The object bytes, streamed to S3. Content-Type is kept; x-meta-* headers become user metadata.',
    content: { '*/*': { schema: { type: 'string', format: 'binary' } } },
  },
  putPresigned: {
    required: true,
    description: 'The object bytes; the Content-Type the URL was signed with, if any.',
    content: { '*/*': { schema: { type: 'string', format: 'binary' } } },
  },
  uploadObjects: {
    required: true,
    content: {
      'multipart/form-data': {
        schema: {
          type: 'object',
          properties: {
            prefix: { type: 'string', description: 'Stored at prefix + filename; send before the files' },
            key: { type: 'string', description: 'The key of a single file; send before the file' },
            file: { type: 'array', items: { type: 'string', format: 'binary' } },
          },
        },
      },
    },
  },
};

/** The OpenAPI 3.1 document: generated from the route schemas, plus what they cannot say. */
export function openapiDocument(config: Config, errorCodes: string[]): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 's3gate',
        version: '1.0.0',
        description:
          'Multi-tenant gateway in front of S3 and S3-compatible storage. Tenant routes take `Authorization: Bearer <apiKey>`; ' +
          '/admin routes take the admin token. Errors are `{ statusCode, code, error, message }` with a stable `code`.',
      },
      servers: [{ url: config.publicUrl ?? '/' }],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'A tenant API key (s3g_…)' },
          adminToken: { type: 'http', scheme: 'bearer', description: 'S3GATE_ADMIN_TOKEN' },
        },
      },
      security: [{ apiKey: [] }],
    },
    exposeHeadRoutes: true,
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transformObject: (documentObject) => {
      const doc = (documentObject as { openapiObject: OpenAPIV3_1.Document }).openapiObject;
      const errorSchema = doc.components?.schemas?.ErrorResponse as OpenAPIV3_1.SchemaObject | undefined;
      const code = errorSchema?.properties?.code as OpenAPIV3_1.SchemaObject | undefined;
      if (code) code.enum = [...errorCodes].sort();
      const paths: OpenAPIV3_1.PathsObject = {};
      for (const [path, item] of Object.entries(doc.paths ?? {})) {
        for (const op of Object.values(item ?? {}) as OpenAPIV3_1.OperationObject[]) {
          const body = op?.operationId ? streamedBodies[op.operationId] : undefined;
          if (body) op.requestBody = body;
          // The router's wildcard is the object key: publish it under that name.
          for (const p of (op?.parameters ?? []) as OpenAPIV3_1.ParameterObject[]) if (p.name === '*') p.name = 'key';
        }
        paths[path.replace('{*}', '{key}')] = item;
      }
      doc.paths = paths;
      return doc;
    },
  };
}
