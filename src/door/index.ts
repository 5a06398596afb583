import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import type { Metrics } from '../plugins/metrics.js';
import type { Services } from '../services/index.js';
import type { DoorServices } from './request.js';
import { logLevelOf, toApiError, isGatewayError } from '../errors.js';
import { bindTenant } from '../plugins/auth.js';
import { holdContentType, restoreContentType } from '../plugins/any-content-type.js';
import { capConnections } from '../lib/connection-cap.js';
import { authenticate } from './protocol/auth.js';
import type { Authenticated } from './protocol/signature.js';
import { parseQuery, type Query } from './protocol/sigv4.js';
import { S3Error, s3ErrorOf } from './errors.js';
import { dispatch, operationOf, type OperationName } from './operations.js';
import { isFormPost, type PostAuth } from './handlers/post-object.js';
import { applyCors, preflight } from './handlers/cors.js';
import { logRequests } from '../plugins/request-log.js';
import { parserErrorHandler, serverOptions, startErrorAnswer } from '../plugins/http.js';
import { traceRequests } from '../plugins/tracing.js';
import { countRequest } from '../plugins/stats.js';
import { xmlDocument } from './xml.js';

/** What the door knows of a request once its address and signature are checked. */
export interface S3Request {
  /** Decoded; undefined for the service (ListBuckets). */
  bucket: string | undefined;
  /** Decoded; undefined for a bucket operation. */
  key: string | undefined;
  query: Query;
  auth: Authenticated;
  /** The resource as S3 names it in errors: /bucket/key. */
  resource: string;
  /** The S3 operation it is (metrics, logs, dispatch). */
  operation: OperationName;
  /** A form POST (POST Object) is signed by its policy, in its body: its handler authenticates it with these. */
  post?: PostAuth;
}

declare module 'fastify' {
  interface FastifyRequest {
    s3: S3Request;
  }
  interface FastifyInstance {
    /** The S3-protocol listener (a second Fastify instance over the same services). */
    s3door: FastifyInstance;
  }
}

/** S3's request ids: 16 upper-case hex characters, a random process prefix and a counter (no entropy drawn per request). */
const ID_PREFIX = randomBytes(4).toString('hex').toUpperCase();
let idCounter = 0;
const requestId = () => ID_PREFIX + (idCounter = (idCounter + 1) >>> 0).toString(16).toUpperCase().padStart(8, '0');

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new S3Error('InvalidURI', `Couldn't parse the specified URI: the ${what} is not valid percent-encoded UTF-8.`, 400);
  }
}

/**
 * Where a request points: path style (`/bucket/key`) always, virtual-hosted style (`bucket.<domain>`)
 * when a domain is configured. The path stays percent-encoded for the signature; the names are decoded.
 */
function addressOf(rawPath: string, host: string | undefined, domain: string | undefined): { bucket?: string; key?: string; hostBucket?: string } {
  const hostname = (host ?? '').toLowerCase().replace(/:\d+$/, '');
  if (domain && hostname.endsWith('.' + domain)) {
    const bucket = hostname.slice(0, -(domain.length + 1));
    const key = rawPath.slice(1);
    return { bucket, key: key ? decode(key, 'key') : undefined, hostBucket: bucket };
  }
  const rest = rawPath.slice(1);
  if (!rest) return {};
  const slash = rest.indexOf('/');
  if (slash < 0) return { bucket: decode(rest, 'bucket') };
  const key = rest.slice(slash + 1);
  return { bucket: decode(rest.slice(0, slash), 'bucket'), key: key ? decode(key, 'key') : undefined };
}

/** Answers an error as S3 does: its XML document (none for HEAD), with x-amz-request-id. */
export function sendS3Error(request: FastifyRequest, reply: FastifyReply, raw: unknown) {
  const err = s3ErrorOf(raw);
  const logged = isGatewayError(raw) ? raw : toApiError(raw as never, undefined);
  const level = raw instanceof S3Error ? 'info' : logLevelOf(logged);
  startErrorAnswer(request, reply, { code: err.s3Code, status: err.status, message: err.message, headers: err.headers, level, cause: raw });
  if (request.method === 'HEAD') return reply.send();
  const resource = request.s3?.resource ?? request.url.split('?')[0];
  return reply.type('application/xml').send(xmlDocument('Error', { Code: err.s3Code, Message: err.message, ...err.fields, Resource: resource, RequestId: request.id }, false));
}

/** Errors Node's parser finds before a request exists, as S3's XML. S3 answers all of these 400. */
const clientError = parserErrorHandler((err) => {
  const [code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? ['RequestHeaderSectionTooLarge', 'Your request header section exceeds the maximum allowed size.']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['RequestTimeout', 'Your socket connection to the server was not read from or written to within the timeout period.']
        : ['BadRequest', 'The request could not be parsed as HTTP/1.1.'];
  return { code, status: 400, reason: 'Bad Request', contentType: 'application/xml', body: xmlDocument('Error', { Code: code, Message: message, RequestId: requestId() }, false) };
});

export interface DoorOptions {
  config: Config;
  log: FastifyBaseLogger;
  metrics: Pick<Metrics, 'connectionsDropped' | 'doorRequests'>;
  services: DoorServices & Pick<Services, 's3Keys' | 'tenants' | 'limits' | 'cors' | 'stats'>;
}

/**
 * The S3-protocol door: a listener of its own that speaks S3's REST protocol and translates each
 * operation onto the gateway's services (the same pools, limits, circuit, events and metrics as
 * REST). Authentication is SigV4 (or SigV2) with a tenant's S3 access key; the key alone names the tenant.
 * Synchronous on purpose: a Fastify instance is thenable, so an async function could not return one.
 */
export function buildS3Door({ config, log, metrics, services }: DoorOptions): FastifyInstance {
  const { domain, region, sigV2 } = config.s3Door;
  const door = Fastify({
    ...serverOptions(config),
    loggerInstance: log.child({ face: 's3' }),
    genReqId: requestId,
    // S3 keys are object keys of up to 1024 bytes, percent-encoded: the router only sees a wildcard.
    routerOptions: { maxParamLength: 8192, ignoreDuplicateSlashes: false, ignoreTrailingSlash: false },
    frameworkErrors: (err, request, reply) => void sendS3Error(request, reply, err.code === 'FST_ERR_BAD_URL' ? new S3Error('InvalidURI', "Couldn't parse the specified URI.", 400) : err),
    clientErrorHandler: clientError,
  });
  // Node answers Expect: 100-continue itself unless told otherwise: the door answers it once the request
  // has passed its checks (operations.ts), so a refused upload's body is never sent.
  door.server.on('checkContinue', (req, res) => door.server.emit('request', req, res));
  capConnections(door.server, config.http.maxConnections, () => metrics.connectionsDropped.inc({ listener: 's3' }));
  // What request helpers shared with the API read (originOf).
  door.decorate('config', config);
  // Bodies are object bytes (or XML read by the operation): no parser touches them.
  door.removeAllContentTypeParsers();
  door.addContentTypeParser('*', (_request, _payload, done) => done(null));
  if (config.tracing.enabled) traceRequests(door, 's3', (request) => request.s3?.operation);
  logRequests(door);

  door.addHook('onRequest', async (request, reply) => {
    reply.header('x-amz-request-id', request.id);
    reply.header('x-amz-id-2', request.id);
    reply.header('server', 's3gate');
    const url = request.raw.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q < 0 ? url : url.slice(0, q);
    if (!rawPath.startsWith('/')) throw new S3Error('InvalidURI', "Couldn't parse the specified URI.", 400);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    const query = parseQuery(rawQuery);
    const { bucket, key, hostBucket } = addressOf(rawPath, request.headers.host, domain);
    const resource = bucket === undefined ? '/' : `/${bucket}${key !== undefined ? '/' + key : ''}`;
    const operation = operationOf(request.method, bucket, key, query, request.headers['x-amz-copy-source'] !== undefined);
    const partial = { bucket, key, query, resource, operation } as S3Request;
    request.s3 = partial;
    // A browser's preflight carries no key: the bucket's CORS configuration answers it.
    if (request.method === 'OPTIONS') {
      partial.operation = 'PreflightRequest';
      return preflight(services.cors, request, reply, bucket);
    }
    const admit = async (tenantId: string) => {
      const tenant = await services.tenants.resolve(tenantId).catch(() => undefined);
      if (!tenant) throw new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', 403);
      bindTenant(request, reply, tenant);
      const { headers } = await services.limits.admit(tenant);
      for (const [name, value] of Object.entries(headers)) reply.header(name, value);
      await applyCors(services.cors, request, reply, tenant.id, bucket);
    };
    if (operation === 'PostObject' && isFormPost(request, key !== undefined) && query['X-Amz-Signature'] === undefined && query.Signature === undefined) {
      partial.post = { lookup: (id) => services.s3Keys.lookup(id), admit };
      return holdContentType(request);
    }
    partial.auth = await authenticate({ method: request.method, rawPath, query, rawQuery, headers: request.headers, hostBucket }, { region, sigV2, lookup: (id) => services.s3Keys.lookup(id) });
    // A SigV2 presigned URL may carry signed headers in its query (botocore puts Content-Type and x-amz-* there): the request has them.
    for (const [name, value] of Object.entries(partial.auth.queryHeaders ?? {})) request.headers[name] ??= value;
    await admit(partial.auth.tenantId);
    // The door reads its bodies itself, and S3 stores any Content-Type (see any-content-type.ts).
    await holdContentType(request);
  });
  door.addHook('preValidation', restoreContentType);

  door.setErrorHandler((err, request, reply) => sendS3Error(request, reply, err));
  // Requests by S3 operation, as the API's are by route (s3gate_s3_door_request_duration_seconds).
  door.addHook('onResponse', async (request, reply) => {
    metrics.doorRequests.observe({ operation: request.s3?.operation ?? 'invalid', status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    countRequest(services.stats, 's3', request, reply);
  });
  door.setNotFoundHandler((request, reply) => sendS3Error(request, reply, new S3Error('MethodNotAllowed', `The specified method ${request.method} is not allowed against this resource.`, 405)));

  const handler = (request: FastifyRequest, reply: FastifyReply) => dispatch(services, region, request, reply);
  for (const url of ['/', '/*']) door.route({ method: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS'], url, handler });
  return door;
}
