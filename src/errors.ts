import type { FastifyError } from 'fastify';
import createError from '@fastify/error';

/**
 * Every error the API answers with: a stable code, a status and a message that says what to fix.
 * openapi.yaml lists these codes (a test fails when one is missing there).
 */
export const errors = {
  Validation: createError('S3GATE_VALIDATION', '%s', 400),
  InvalidJson: createError('S3GATE_INVALID_JSON', 'The request body is not valid JSON: %s', 400),
  UnsupportedMediaType: createError('S3GATE_UNSUPPORTED_MEDIA_TYPE', "Content-Type '%s' is not accepted here; send %s", 415),
  Unauthorized: createError('S3GATE_UNAUTHORIZED', '%s', 401),
  AdminUnauthorized: createError('S3GATE_ADMIN_UNAUTHORIZED', 'Send the admin token as Authorization: Bearer <S3GATE_ADMIN_TOKEN>', 401),
  MetricsUnauthorized: createError('S3GATE_METRICS_UNAUTHORIZED', 'Send the metrics token as Authorization: Bearer <S3GATE_METRICS_TOKEN>', 401),
  RouteNotFound: createError('S3GATE_ROUTE_NOT_FOUND', 'No route %s %s; see /docs for the API', 404),

  InvalidBucketName: createError('S3GATE_INVALID_BUCKET_NAME', "Bucket name '%s' is invalid: %s", 400),
  InvalidKey: createError('S3GATE_INVALID_KEY', 'Object key is invalid: %s', 400),
  InvalidMetadata: createError('S3GATE_INVALID_METADATA', 'User metadata is invalid: %s', 400),
  InvalidCursor: createError('S3GATE_INVALID_CURSOR', 'The cursor is not one this API returned; start the listing again without it', 400),
  TooManyKeys: createError('S3GATE_TOO_MANY_KEYS', 'At most 1000 keys per batch delete; got %d', 400),
  InvalidUpload: createError('S3GATE_INVALID_UPLOAD', '%s', 400),
  MalformedRequest: createError('S3GATE_MALFORMED_REQUEST', 'The request is not well-formed HTTP: %s', 400),
  UrlTooLong: createError('S3GATE_URL_TOO_LONG', 'A part of the URL is longer than %d characters; bucket names have at most 63 and keys at most 1024 bytes', 414),
  HeadersTooLarge: createError('S3GATE_HEADERS_TOO_LARGE', 'The request headers are larger than %d bytes', 431),
  RequestTimeout: createError('S3GATE_REQUEST_TIMEOUT', 'The request was not received in time: %s', 408),

  BucketNotFound: createError('S3GATE_BUCKET_NOT_FOUND', "Bucket '%s' not found", 404),
  BucketAlreadyExists: createError('S3GATE_BUCKET_ALREADY_EXISTS', "Bucket name '%s' is taken by another account of this S3 endpoint; choose another name", 409),
  BucketNotEmpty: createError('S3GATE_BUCKET_NOT_EMPTY', "Bucket '%s' is not empty; delete its objects first or pass ?force=true", 409),
  ObjectNotFound: createError('S3GATE_OBJECT_NOT_FOUND', "Object '%s' not found in bucket '%s'", 404),
  PreconditionFailed: createError('S3GATE_PRECONDITION_FAILED', 'Precondition failed: %s', 412),
  RangeNotSatisfiable: createError('S3GATE_RANGE_NOT_SATISFIABLE', 'Range %s selects no byte of the object (size %d): it starts past the end or is an empty suffix', 416),
  InvalidPartNumber: createError('S3GATE_INVALID_PART_NUMBER', "Part %d of '%s' does not exist: the object has %d part(s)", 416),
  PartReadUnsupported: createError(
    'S3GATE_PART_READ_UNSUPPORTED',
    'The S3 endpoint of this tenant does not serve one part of an object uploaded in parts (partNumber); read it with a Range instead',
    501,
  ),
  PreconditionUnsupported: createError('S3GATE_PRECONDITION_UNSUPPORTED', '%s', 400),
  VersionNotFound: createError('S3GATE_VERSION_NOT_FOUND', "Version '%s' of object '%s' not found", 404),
  InvalidTag: createError('S3GATE_INVALID_TAG', 'Invalid tags: %s', 400),
  NeedsS3Backend: createError('S3GATE_NEEDS_S3_BACKEND', '%s needs an S3 backend: this tenant is on the disk driver, which does not have it', 400),
  PayloadTooLarge: createError('S3GATE_PAYLOAD_TOO_LARGE', 'The body exceeds %s; nothing was stored', 413),
  NoSuchUpload: createError('S3GATE_NO_SUCH_UPLOAD', "Multipart upload '%s' does not exist: it was completed or aborted, or its id is wrong", 404),
  InvalidPart: createError('S3GATE_INVALID_PART', 'One or more of the parts could not be found or its ETag does not match (%s); list the parts (ListParts) and send their ETags', 400),
  InvalidPartOrder: createError('S3GATE_INVALID_PART_ORDER', 'The parts must be listed in ascending order of part number, each once', 400),
  PartTooSmall: createError('S3GATE_PART_TOO_SMALL', 'Every part but the last must be at least 5 MiB (%s)', 400),
  UploadNotFound: createError('S3GATE_UPLOAD_NOT_FOUND', "Upload '%s' not found: it was terminated or expired, or it is not this tenant's; start a new one with POST /v1/uploads", 404),
  UploadExpired: createError('S3GATE_UPLOAD_EXPIRED', 'The upload expired and was removed; start a new one with POST /v1/uploads', 410),
  UploadLocked: createError('S3GATE_UPLOAD_LOCKED', "Upload '%s' is being written by another request; retry when it ends (one whose client vanished frees it within %d s)", 423),
  OffsetConflict: createError('S3GATE_OFFSET_CONFLICT', "Upload-Offset is not the upload's offset (%s); send HEAD for the offset and resume from there", 409),
  ChecksumMismatch: createError('S3GATE_CHECKSUM_MISMATCH', 'The body does not match its Upload-Checksum (%s); none of it was stored: send it again', 460),
  TooManyResumableUploads: createError(
    'S3GATE_TOO_MANY_RESUMABLE_UPLOADS',
    "Tenant '%s' has %d unfinished resumable uploads (limits.maxResumableUploads); finish or DELETE one, or wait until they expire",
    429,
  ),
  TusInvalid: createError('S3GATE_TUS_INVALID', '%s', 400),
  TusVersion: createError('S3GATE_TUS_VERSION', 'Send Tus-Resumable: 1.0.0 (the tus protocol version this endpoint speaks) with every request but OPTIONS', 412),
  TusUnsupported: createError('S3GATE_TUS_UNSUPPORTED', '%s', 501),
  PresignInvalid: createError('S3GATE_PRESIGN_INVALID', 'The presigned URL is invalid or expired: %s', 403),
  PresignUsed: createError(
    'S3GATE_PRESIGN_USED',
    'This presigned tus URL created its upload already (%s), which was terminated or has expired; a creation URL makes one upload: ask for a new URL',
    409,
  ),

  TenantNotFound: createError('S3GATE_TENANT_NOT_FOUND', "Tenant '%s' not found", 404),
  TenantExists: createError('S3GATE_TENANT_EXISTS', "Tenant '%s' already exists; PATCH it instead", 409),
  S3KeyNotFound: createError('S3GATE_S3_KEY_NOT_FOUND', "S3 access key '%s' not found for tenant '%s'", 404),
  KeyNotFound: createError('S3GATE_KEY_NOT_FOUND', "API key '%s' not found for tenant '%s'", 404),
  InvalidTenant: createError('S3GATE_INVALID_TENANT', '%s', 400),

  InvalidWebhookUrl: createError('S3GATE_INVALID_WEBHOOK_URL', "Subscription URL '%s' is refused: %s", 400),
  WebhookNotFound: createError('S3GATE_WEBHOOK_NOT_FOUND', "Webhook subscription '%s' not found", 404),
  DeliveryNotFound: createError('S3GATE_DELIVERY_NOT_FOUND', "Delivery '%s' not found for this subscription", 404),

  InvalidEvent: createError('S3GATE_INVALID_EVENT', 'The notification is not one this endpoint understands: %s', 400),
  TooManyRecords: createError('S3GATE_TOO_MANY_RECORDS', 'The notification carries %d records; at most %d are taken per request: send them in several requests', 413),
  IngestUnauthorized: createError('S3GATE_INGEST_UNAUTHORIZED', 'Unknown ingest token; create one with POST /admin/tenants/{id}/ingest-token', 401),

  TextTooLarge: createError('S3GATE_TEXT_TOO_LARGE', "Object '%s' is %d bytes, more than maxBytes (%d); raise maxBytes (at most 1048576) or use downloadUrl", 400),
  NotText: createError('S3GATE_NOT_TEXT', "Object '%s' is not UTF-8 text; use downloadUrl", 400),
  ContentTooLarge: createError('S3GATE_CONTENT_TOO_LARGE', 'The content is %d bytes once decoded; GraphQL takes at most %d: use createUploadUrl for larger objects', 413),
  GraphqlInvalid: createError('S3GATE_GRAPHQL_INVALID', '%s', 400),
  CsrfBlocked: createError('S3GATE_CSRF_BLOCKED', 'Blocked as a possible cross-site request forgery: send Content-Type: application/json, or an Authorization header', 400),
  GraphqlTooCostly: createError('S3GATE_GRAPHQL_TOO_COSTLY', '%s', 400),
  TooManyLookups: createError('S3GATE_TOO_MANY_LOOKUPS', 'This request looks up the details (contentType, metadata) of more than %d objects; ask for fewer objects or leave those fields out', 400),

  NotificationsUnsupported: createError('S3GATE_NOTIFICATIONS_UNSUPPORTED', 'Native notifications cannot be wired for this tenant: %s', 400),

  RateLimited: createError('S3GATE_RATE_LIMITED', "Tenant '%s' is over its rate limit of %s requests per second (burst %d); retry after the seconds in Retry-After", 429),
  TooManySubscriptions: createError('S3GATE_TOO_MANY_SUBSCRIPTIONS', '%s; complete a subscription first (or use one with a filter that covers several), or read past events from GET /v1/events', 429),
  TooManyUploads: createError('S3GATE_TOO_MANY_UPLOADS', "Tenant '%s' already has %d uploads in progress (its limit); retry when one has finished", 429),
  TenantBusy: createError('S3GATE_TENANT_BUSY', "Tenant '%s' has %d S3 requests in flight (its limit); retry after a moment", 503),
  TenantUnavailable: createError(
    'S3GATE_TENANT_UNAVAILABLE',
    "The S3 endpoint of tenant '%s' could not be reached %d times in a row; its requests fail at once for %d s, then one request tries it again",
    503,
  ),
  TenantVerificationFailed: createError('S3GATE_TENANT_VERIFICATION_FAILED', 'The S3 settings do not work: %s; nothing was saved', 422),
  UpstreamUnavailable: createError('S3GATE_UPSTREAM_UNAVAILABLE', 'The S3 endpoint of this tenant could not be reached: %s', 502),
  UpstreamTimeout: createError('S3GATE_UPSTREAM_TIMEOUT', 'The S3 endpoint of this tenant did not answer in time', 504),
  UpstreamCredentials: createError('S3GATE_UPSTREAM_CREDENTIALS', "The S3 endpoint rejected this tenant's credentials (%s); an admin must fix the tenant's s3 settings", 502),
  UpstreamError: createError('S3GATE_UPSTREAM_ERROR', 'The S3 endpoint answered an error: %s', 502),
  ClientClosed: createError('S3GATE_CLIENT_CLOSED', 'The client closed the request before it completed; nothing was stored', 499),
  Internal: createError('S3GATE_INTERNAL', 'Internal error; the request id in the logs tells what happened', 500),
  ShuttingDown: createError('S3GATE_SHUTTING_DOWN', 'The gateway is shutting down; retry on another instance', 503),
  ConsoleUnavailable: createError('S3GATE_CONSOLE_UNAVAILABLE', 'The web console is not built in this installation: run npm run build (npm start does)', 503),
} as const;

export type ErrorName = keyof typeof errors;

/** Every stable code, for the OpenAPI document and its contract test. */
export const errorCodes: string[] = Object.values(errors).map((E) => new E('', '', '').code);

export interface GatewayError extends Error {
  code: string;
  statusCode: number;
  /** Response headers that go with the error (Retry-After, Content-Range). */
  headers?: Record<string, string>;
  /** What the tenant's S3 endpoint answered, when the client should see it (verification). */
  upstream?: { code: string; message: string; status: number | null };
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof Error && typeof (err as GatewayError).code === 'string' && (err as GatewayError).code.startsWith('S3GATE_');
}

export function withHeaders<E extends Error>(err: E, headers: Record<string, string>): E {
  (err as unknown as GatewayError).headers = { ...(err as unknown as GatewayError).headers, ...headers };
  return err;
}

/** 5xx answers that refuse work on purpose (load shedding, a tenant's open circuit, shutdown). */
const REFUSALS = new Set(['S3GATE_TENANT_BUSY', 'S3GATE_TENANT_UNAVAILABLE', 'S3GATE_SHUTTING_DOWN']);

/**
 * How an answer is logged: `error` (with its stack) only for the gateway's own faults, `warn` for a
 * tenant's backend failing, `info` for refusals of a client's request, of any status.
 */
export function logLevelOf(err: GatewayError): 'error' | 'warn' | 'info' {
  if (err.statusCode < 500 || REFUSALS.has(err.code)) return 'info';
  return err.code.startsWith('S3GATE_UPSTREAM_') ? 'warn' : 'error';
}

/** The limit a body went over, as S3GATE_PAYLOAD_TOO_LARGE says it. */
export const limits = {
  tenant: (bytes: number) => `this tenant's limit of ${bytes} bytes (limits.maxObjectSize)`,
  route: (bytes: number) => `the limit of ${bytes} bytes for a request body on this route`,
  backend: (bytes: number | undefined) =>
    bytes ? `the S3 endpoint's limit of ${bytes} bytes for one request` : "the S3 endpoint's limit for one request (S3's own is 5 GiB; an endpoint may set a lower one)",
};

/** Turns anything thrown into one of the API's errors; `bodyLimit` is the route's, for a body over it. */
export function toApiError(err: FastifyError, contentType: string | undefined, bodyLimit?: number): GatewayError {
  if (isGatewayError(err)) return err;
  if (err.validation) return new errors.Validation(err.message);
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return new errors.UnsupportedMediaType(contentType || '(none)', 'application/json (see the route in /docs)');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new errors.InvalidJson('the body is empty');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new errors.InvalidJson(err.message);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new errors.PayloadTooLarge(limits.route(bodyLimit ?? 1024 * 1024));
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new errors.Validation('Content-Length does not match the body');
  }
  if (err.name === 'AbortError' || err.code === 'ECONNRESET' || err.code === 'ERR_STREAM_PREMATURE_CLOSE') return new errors.ClientClosed({ cause: err });
  if (err instanceof SyntaxError && err.statusCode === 400) return new errors.InvalidJson(err.message);
  if (err.code?.startsWith('FST_') && err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return Object.assign(new errors.Validation(err.message), { statusCode: err.statusCode });
  }
  return new errors.Internal({ cause: err });
}
