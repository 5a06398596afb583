import { isGatewayError, type GatewayError } from '../errors.js';
import { S3Error } from './protocol/errors.js';

export { S3Error, s3 } from './protocol/errors.js';

/** The gateway's codes as S3's: what an S3 client's retry and error handling expects to see. */
const CODES: Record<string, [code: string, status: number]> = {
  S3GATE_BUCKET_NOT_FOUND: ['NoSuchBucket', 404],
  S3GATE_OBJECT_NOT_FOUND: ['NoSuchKey', 404],
  S3GATE_BUCKET_NOT_EMPTY: ['BucketNotEmpty', 409],
  S3GATE_BUCKET_ALREADY_EXISTS: ['BucketAlreadyExists', 409],
  S3GATE_INVALID_BUCKET_NAME: ['InvalidBucketName', 400],
  S3GATE_INVALID_KEY: ['InvalidArgument', 400],
  S3GATE_INVALID_METADATA: ['InvalidArgument', 400],
  S3GATE_INVALID_CURSOR: ['InvalidArgument', 400],
  S3GATE_TOO_MANY_KEYS: ['MalformedXML', 400],
  S3GATE_VALIDATION: ['InvalidArgument', 400],
  S3GATE_INVALID_UPLOAD: ['InvalidRequest', 400],
  S3GATE_MALFORMED_REQUEST: ['InvalidRequest', 400],
  S3GATE_URL_TOO_LONG: ['KeyTooLongError', 400],
  S3GATE_HEADERS_TOO_LARGE: ['RequestHeaderSectionTooLarge', 400],
  S3GATE_REQUEST_TIMEOUT: ['RequestTimeout', 400],
  S3GATE_PRECONDITION_FAILED: ['PreconditionFailed', 412],
  S3GATE_PRECONDITION_UNSUPPORTED: ['NotImplemented', 501],
  S3GATE_PART_READ_UNSUPPORTED: ['NotImplemented', 501],
  S3GATE_NEEDS_S3_BACKEND: ['NotImplemented', 501],
  S3GATE_INVALID_TAG: ['InvalidTag', 400],
  S3GATE_VERSION_NOT_FOUND: ['NoSuchVersion', 404],
  S3GATE_RANGE_NOT_SATISFIABLE: ['InvalidRange', 416],
  S3GATE_INVALID_PART_NUMBER: ['InvalidPartNumber', 416],
  S3GATE_PAYLOAD_TOO_LARGE: ['EntityTooLarge', 400],
  S3GATE_RATE_LIMITED: ['SlowDown', 503],
  S3GATE_TOO_MANY_UPLOADS: ['SlowDown', 503],
  S3GATE_TENANT_BUSY: ['SlowDown', 503],
  S3GATE_TENANT_UNAVAILABLE: ['ServiceUnavailable', 503],
  S3GATE_SHUTTING_DOWN: ['ServiceUnavailable', 503],
  S3GATE_UPSTREAM_UNAVAILABLE: ['ServiceUnavailable', 503],
  S3GATE_UPSTREAM_TIMEOUT: ['ServiceUnavailable', 503],
  S3GATE_UPSTREAM_CREDENTIALS: ['ServiceUnavailable', 503],
  S3GATE_UPSTREAM_ERROR: ['InternalError', 500],
  S3GATE_CLIENT_CLOSED: ['RequestTimeout', 400],
  S3GATE_TENANT_NOT_FOUND: ['InvalidAccessKeyId', 403],
  S3GATE_NO_SUCH_UPLOAD: ['NoSuchUpload', 404],
  S3GATE_INVALID_PART: ['InvalidPart', 400],
  S3GATE_INVALID_PART_ORDER: ['InvalidPartOrder', 400],
  S3GATE_PART_TOO_SMALL: ['EntityTooSmall', 400],
};

/** Anything thrown, as the S3 error the client gets. */
export function s3ErrorOf(err: unknown): S3Error {
  if (err instanceof S3Error) return err;
  if (isGatewayError(err)) {
    const e = err as GatewayError;
    // Two of the gateway's codes cover more than one of S3's: too long is S3's own code, the rest InvalidArgument.
    const [code, status] =
      e.code === 'S3GATE_INVALID_KEY' && /at most 1024/.test(e.message)
        ? ['KeyTooLongError', 400]
        : e.code === 'S3GATE_INVALID_METADATA' && /S3 allows 2048/.test(e.message)
          ? ['MetadataTooLarge', 400]
          : (CODES[e.code] ?? (e.statusCode >= 500 ? ['InternalError', 500] : ['InvalidRequest', 400]));
    return new S3Error(code, e.message, status, {}, e.headers ?? {});
  }
  return new S3Error('InternalError', 'We encountered an internal error. Please try again.', 500);
}
