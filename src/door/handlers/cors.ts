import type { FastifyReply, FastifyRequest } from 'fastify';
import { type CorsRule, corsHeaders, matchCors, MAX_CORS_RULES } from '../../model/cors.js';
import type { CorsService } from '../../services/cors.js';
import { S3Error, s3 } from '../errors.js';
import { header, readXml, sendXml, type S3Call } from '../request.js';

const CORS_SHAPE = {
  root: 'CORSConfiguration',
  maxBytes: 64 * 1024,
  maxElements: MAX_CORS_RULES * 40 + 16,
  repeated: { CORSRule: MAX_CORS_RULES, AllowedOrigin: 1000, AllowedMethod: 1000, AllowedHeader: 1000, ExposeHeader: 1000 },
};

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

export async function putBucketCors({ services, request, reply, ctx, bucket }: S3Call) {
  const doc = await readXml(request, reply, CORS_SHAPE);
  if (!doc) throw s3.malformedXml();
  const rules: CorsRule[] = (Array.isArray(doc.CORSRule) ? (doc.CORSRule as Record<string, unknown>[]) : []).map((r) => ({
    ...(typeof r.ID === 'string' && { id: r.ID }),
    allowedOrigins: strings(r.AllowedOrigin),
    allowedMethods: strings(r.AllowedMethod),
    allowedHeaders: strings(r.AllowedHeader),
    exposeHeaders: strings(r.ExposeHeader),
    ...(r.MaxAgeSeconds !== undefined && { maxAgeSeconds: Number(r.MaxAgeSeconds) }),
  }));
  await services.cors.put(ctx, bucket, rules);
  return reply.code(200).send();
}

export async function getBucketCors({ services, reply, ctx, bucket }: S3Call) {
  const rules = await services.cors.get(ctx, bucket);
  if (!rules) throw new S3Error('NoSuchCORSConfiguration', 'The CORS configuration does not exist', 404, { BucketName: bucket });
  return sendXml(reply, 'CORSConfiguration', {
    CORSRule: rules.map((r) => ({
      ...(r.id && { ID: r.id }),
      AllowedHeader: r.allowedHeaders,
      AllowedMethod: r.allowedMethods,
      AllowedOrigin: r.allowedOrigins,
      ExposeHeader: r.exposeHeaders,
      ...(r.maxAgeSeconds !== undefined && { MaxAgeSeconds: r.maxAgeSeconds }),
    })),
  });
}

export async function deleteBucketCors({ services, reply, ctx, bucket }: S3Call) {
  await services.cors.delete(ctx, bucket);
  return reply.code(204).send();
}

const requestedHeaders = (request: FastifyRequest) =>
  (header(request, 'access-control-request-headers') ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);

/**
 * A browser's preflight (OPTIONS), answered from the bucket's CORS configuration as S3 answers it: no
 * key is needed, a listed origin gets 200 and its Access-Control-Allow-*, anything else 403.
 */
export async function preflight(cors: CorsService, request: FastifyRequest, reply: FastifyReply, bucket: string | undefined) {
  const origin = header(request, 'origin');
  const method = header(request, 'access-control-request-method');
  if (!origin || !method) throw new S3Error('BadRequest', 'Insufficient information. Origin request header needed.', 400);
  const rules = bucket === undefined ? undefined : await cors.forPreflight(bucket);
  if (!rules) throw new S3Error('AccessForbidden', 'CORSResponse: CORS is not enabled for this bucket.', 403, { Method: method.slice(0, 20), ResourceType: 'BUCKET' });
  const headers = requestedHeaders(request);
  const rule = matchCors(rules, origin, method, headers);
  if (!rule) {
    throw new S3Error(
      'AccessForbidden',
      "CORSResponse: This CORS request is not allowed: its Origin, Access-Control-Request-Method or Access-Control-Request-Headers are not in the bucket's CORS configuration.",
      403,
      {
        Method: method.slice(0, 20),
        ResourceType: 'OBJECT',
      },
    );
  }
  for (const [name, value] of Object.entries(corsHeaders(rule, origin, { method, headers }))) reply.header(name, value);
  return reply.code(200).send();
}

/** The Access-Control-* headers of a request from a browser (an Origin) that the bucket's rules allow. */
export async function applyCors(cors: CorsService, request: FastifyRequest, reply: FastifyReply, tenantId: string, bucket: string | undefined): Promise<void> {
  const origin = header(request, 'origin');
  if (!origin || bucket === undefined) return;
  const rules = await cors.rules(tenantId, bucket);
  const rule = rules && matchCors(rules, origin, request.method === 'HEAD' ? 'HEAD' : request.method);
  if (rule) for (const [name, value] of Object.entries(corsHeaders(rule, origin))) reply.header(name, value);
}
