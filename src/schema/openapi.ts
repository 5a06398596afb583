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
  tusCreate: {
    required: false,
    description: 'creation-with-upload: the first bytes of the upload (Content-Type: application/offset+octet-stream).',
    content: { 'application/offset+octet-stream': { schema: { type: 'string', format: 'binary' } } },
  },
  tusAppend: {
    required: true,
    description: 'The bytes at Upload-Offset, streamed into S3 parts as they arrive.',
    content: { 'application/offset+octet-stream': { schema: { type: 'string', format: 'binary' } } },
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

/** The S3 protocol door, as an extension of the document (OpenAPI cannot describe S3's XML protocol). */
function s3Door(config: Config): Record<string, unknown> {
  return {
    'x-s3-door': {
      port: config.s3Door.port,
      region: config.s3Door.region,
      operations: [
        'ListBuckets',
        'CreateBucket',
        'HeadBucket',
        'DeleteBucket',
        'GetBucketLocation',
        'GetBucketVersioning (always unversioned)',
        'ListObjects',
        'ListObjectsV2',
        'ListObjectVersions (every object its null version)',
        'GetObject',
        'HeadObject',
        'PutObject',
        'DeleteObject',
        'DeleteObjects',
        'CopyObject',
        'CreateMultipartUpload',
        'UploadPart',
        'UploadPartCopy',
        'CompleteMultipartUpload',
        'AbortMultipartUpload',
        'ListParts',
        'ListMultipartUploads',
      ],
    },
  };
}

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
          '/admin routes take the admin token. Errors are `{ statusCode, code, error, message }` with a stable `code`. ' +
          'Every answer carries `X-Request-Id` (the one the request sent, or one made for it), as the log lines of the request do.\n\n' +
          '**The S3 protocol door.** A second listener (`S3GATE_S3_PORT`, default 3001) speaks the S3 REST protocol for any S3 client ' +
          '(the AWS CLI, boto3, AWS SDKs, rclone, s3cmd): path-style addressing, and virtual-hosted style under `S3GATE_S3_DOMAIN`. ' +
          'Requests are signed with AWS Signature Version 4 (header or presigned query; every payload mode, aws-chunked with chunk signatures ' +
          'and CRC32/CRC32C/CRC64NVME/SHA-1/SHA-256 trailers) using a tenant S3 access key from `POST /v1/s3-keys` or ' +
          '`POST /admin/tenants/{id}/s3-keys`, in the region `S3GATE_S3_REGION` (default us-east-1). It serves the operations in ' +
          "`x-s3-door` with S3's XML and error codes through the same services, limits and events as this API; any other S3 operation answers 501 NotImplemented.\n\n" +
          '**Resumable uploads.** `/v1/uploads` speaks tus 1.0 (creation, creation-with-upload, termination, expiration, checksum) for tus-js-client, ' +
          'Uppy and every tus client; a presigned tus URL (`POST /v1/presign` with method `TUS`, or GraphQL `createUploadUrl(protocol: TUS)`) needs no API key. ' +
          'Browser pages of the origins in `S3GATE_CORS_ORIGINS` may call the API (CORS, with the tus headers exposed).\n\n' +
          '**Tracing.** With OpenTelemetry on (`OTEL_EXPORTER_OTLP_ENDPOINT`), a W3C `traceparent` header on any request (here or on the S3 door) makes ' +
          "the gateway's spans part of the caller's trace, and each webhook delivery attempt is sent with a `traceparent` of its own span in the trace " +
          'of the write that caused the event (the header is not part of the signed content).\n\n' +
          '**Pages for a browser** (not API operations): this document at `/docs`, GraphiQL at `/graphiql`, and the web console at `/console`.',
      },
      ...s3Door(config),
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
