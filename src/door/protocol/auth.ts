import type { IncomingHttpHeaders } from 'node:http';
import { s3 } from './errors.js';
import type { Authenticated, KeyLookup, SignedRequest } from './signature.js';
import { authenticateV2, isSigV2 } from './sigv2.js';
import { authenticateV4 } from './sigv4.js';

const header = (h: IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v.join(',') : v;
};

/**
 * Verifies a request's signature and returns who signed it: SigV4 (header or presigned query), or
 * SigV2 (header or presigned query) unless `sigV2` is off (S3GATE_S3_SIGV2=false), when it is refused as
 * S3 refuses it where SigV2 is retired. An unsigned request is AccessDenied: the door has no anonymous access.
 */
export async function authenticate(req: SignedRequest, opts: { region: string; lookup: KeyLookup; now?: number; sigV2: boolean }): Promise<Authenticated> {
  const now = opts.now ?? Date.now();
  const authorization = header(req.headers, 'authorization');
  const presigned = req.query['X-Amz-Algorithm'] !== undefined || req.query['X-Amz-Signature'] !== undefined;
  if (authorization !== undefined && presigned)
    throw s3.invalidArgument(
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
      'Authorization',
    );
  if (!presigned && isSigV2(req)) {
    if (opts.sigV2) return authenticateV2(req, { lookup: opts.lookup, now });
    throw s3.invalidRequest('The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.');
  }
  if (authorization === undefined && !presigned) {
    throw s3.accessDenied('Anonymous access is not allowed: sign the request with an S3 access key of your tenant (POST /v1/s3-keys)');
  }
  return authenticateV4(req, { region: opts.region, lookup: opts.lookup, now });
}
