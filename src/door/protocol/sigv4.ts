import type { IncomingHttpHeaders } from 'node:http';
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { canonicalRequest, getCanonicalHeaders, hmacHex, signingKey, type HeaderBag, type HttpRequest, type QueryParameterBag } from '../../s3/signing.js';
import { S3Error, s3 } from './errors.js';
import { MAX_SKEW_MS, sameSignature, type Authenticated, type KeyLookup, type PayloadMode, type SignedRequest } from './signature.js';

/** S3's longest presigned URL: 7 days. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/** A request's query, names and values decoded; a repeated name is an array. */
export type Query = QueryParameterBag;

/**
 * Signing keys already derived (four HMACs each), by the day, region and secret they derive from: a client
 * signs every request of a day with the same. The secret is the store's, looked up for every request (a
 * revoked key is refused before this), so a kept key only ever verifies what deriving it again would.
 */
const signingKeys = new LRUCache<string, Buffer>({ max: 10_000 });

function keyOf(secret: string, shortDate: string, region: string): Buffer {
  const id = `${shortDate}/${region}/${secret}`;
  let key = signingKeys.get(id);
  if (!key) signingKeys.set(id, (key = signingKey(secret, shortDate, region)));
  return key;
}

const LONG_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

function parseLongDate(value: string | undefined): Date | undefined {
  const m = LONG_DATE.exec(value ?? '');
  if (!m) return undefined;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
  return Number.isNaN(d.getTime()) ? undefined : d;
}

const header = (h: IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v.join(',') : v;
};

const STREAMING: Record<string, { signed: boolean; trailer: boolean }> = {
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD': { signed: true, trailer: false },
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER': { signed: true, trailer: true },
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER': { signed: false, trailer: true },
};

function payloadModeOf(hash: string | undefined, presigned: boolean): PayloadMode {
  if (hash === undefined) {
    if (presigned) return { kind: 'unsigned' };
    throw s3.invalidRequest('Missing required header for this request: x-amz-content-sha256');
  }
  if (hash === 'UNSIGNED-PAYLOAD') return { kind: 'unsigned' };
  if (/^[0-9a-f]{64}$/.test(hash)) return { kind: 'signed', sha256: hash };
  const streaming = STREAMING[hash];
  if (streaming && !presigned) return { kind: 'chunked', ...streaming };
  throw new S3Error('InvalidArgument', `x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-*-PAYLOAD[-TRAILER] or a SHA-256 in lower-case hex; got '${hash.slice(0, 80)}'`, 400, {
    ArgumentName: 'x-amz-content-sha256',
  });
}

interface Credential {
  accessKeyId: string;
  shortDate: string;
  region: string;
  service: string;
}

function parseCredential(value: string, where: 'header' | 'query'): Credential {
  const parts = value.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !/^\d{8}$/.test(parts[1])) {
    const message = `the Credential '${value.slice(0, 200)}' is not <access key id>/<yyyymmdd>/<region>/s3/aws4_request`;
    throw where === 'header'
      ? new S3Error('AuthorizationHeaderMalformed', `The authorization header is malformed; ${message}`, 400)
      : new S3Error('AuthorizationQueryParametersError', `X-Amz-Credential is malformed; ${message}`, 400);
  }
  return { accessKeyId: parts[0], shortDate: parts[1], region: parts[2], service: parts[3] };
}

/**
 * Verifies the AWS Signature Version 4 of a request (Authorization header or presigned query) and
 * returns who signed it. Throws the S3 error S3 itself would answer: InvalidAccessKeyId,
 * SignatureDoesNotMatch, RequestTimeTooSkewed, AuthorizationHeaderMalformed for another region's scope,
 * and AccessDenied for an expired URL or an x-amz-* header the signature does not cover.
 */
export async function authenticateV4(req: SignedRequest, opts: { region: string; lookup: KeyLookup; now: number }): Promise<Authenticated> {
  const now = opts.now;
  const authorization = header(req.headers, 'authorization');
  const query = req.query;
  let credential: Credential;
  let signedHeaders: string[];
  let signature: string;
  let longDate: string;
  let payload: PayloadMode;
  if (authorization !== undefined) {
    const m = /^AWS4-HMAC-SHA256 (.*)$/s.exec(authorization);
    if (!m) throw new S3Error('AuthorizationHeaderMalformed', 'The authorization header is malformed; it must start with AWS4-HMAC-SHA256', 400);
    const fields: Record<string, string> = {};
    for (const part of m[1].split(',')) {
      const at = part.indexOf('=');
      if (at > 0) fields[part.slice(0, at).trim()] = part.slice(at + 1).trim();
    }
    if (!fields.Credential || !fields.SignedHeaders || !fields.Signature) {
      throw new S3Error('AuthorizationHeaderMalformed', 'The authorization header is malformed; it needs Credential=, SignedHeaders= and Signature=', 400);
    }
    credential = parseCredential(fields.Credential, 'header');
    signedHeaders = fields.SignedHeaders.split(';');
    signature = fields.Signature;
    const amzDate = header(req.headers, 'x-amz-date');
    const date =
      amzDate !== undefined
        ? parseLongDate(amzDate)
        : (() => {
            const raw = header(req.headers, 'date');
            const d = raw ? new Date(raw) : undefined;
            return d && !Number.isNaN(d.getTime()) ? d : undefined;
          })();
    if (!date) throw s3.accessDenied('AWS authentication requires a valid Date or x-amz-date header');
    longDate =
      amzDate ??
      date
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, '');
    if (Math.abs(now - date.getTime()) > MAX_SKEW_MS) {
      throw new S3Error('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', 403, {
        RequestTime: amzDate ?? header(req.headers, 'date') ?? '',
        ServerTime: new Date(now).toISOString(),
        MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
      });
    }
    payload = payloadModeOf(header(req.headers, 'x-amz-content-sha256'), false);
  } else {
    const str = (name: string) => {
      const v = query[name];
      return Array.isArray(v) ? v[0] : (v ?? undefined);
    };
    if (str('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') throw new S3Error('AuthorizationQueryParametersError', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"', 400);
    const missing = ['X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'].filter((n) => !str(n));
    if (missing.length > 0)
      throw new S3Error(
        'AuthorizationQueryParametersError',
        `Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters; missing ${missing.join(', ')}`,
        400,
      );
    credential = parseCredential(str('X-Amz-Credential')!, 'query');
    signedHeaders = str('X-Amz-SignedHeaders')!.split(';');
    signature = str('X-Amz-Signature')!;
    longDate = str('X-Amz-Date')!;
    const date = parseLongDate(longDate);
    if (!date) throw new S3Error('AuthorizationQueryParametersError', "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"", 400);
    const expires = Number(str('X-Amz-Expires'));
    if (!Number.isInteger(expires) || expires < 0) throw new S3Error('AuthorizationQueryParametersError', 'X-Amz-Expires should be a number', 400);
    // 403 as radosgw answers it (the S3 conformance suite expects that), with the message AWS gives.
    if (expires > MAX_PRESIGN_SECONDS) throw new S3Error('AccessDenied', 'X-Amz-Expires must be less than a week (in seconds) that is; 604800', 403);
    if (date.getTime() - now > MAX_SKEW_MS) throw s3.accessDenied('Request is not valid yet');
    if (now > date.getTime() + expires * 1000) {
      throw new S3Error('AccessDenied', 'Request has expired', 403, {
        'X-Amz-Expires': String(expires),
        Expires: new Date(date.getTime() + expires * 1000).toISOString(),
        ServerTime: new Date(now).toISOString(),
      });
    }
    payload = payloadModeOf(str('X-Amz-Content-Sha256') ?? header(req.headers, 'x-amz-content-sha256'), true);
  }

  const shortDate = longDate.slice(0, 8);
  if (credential.shortDate !== shortDate) {
    throw new S3Error(
      'AuthorizationHeaderMalformed',
      `The authorization header is malformed; Invalid credential date "${credential.shortDate}". This date is not the same as X-Amz-Date: "${shortDate}".`,
      400,
    );
  }
  if (credential.region !== opts.region) {
    throw new S3Error('AuthorizationHeaderMalformed', `The authorization header is malformed; the region '${credential.region.slice(0, 64)}' is wrong; expecting '${opts.region}'`, 400, {
      Region: opts.region,
    });
  }
  if (credential.service !== 's3') {
    throw new S3Error('AuthorizationHeaderMalformed', `The authorization header is malformed; incorrect service "${credential.service.slice(0, 64)}". This endpoint belongs to "s3".`, 400);
  }
  if (!signedHeaders.includes('host')) throw s3.accessDenied('The host header must be signed');
  // An x-amz-* header changes what a request does (x-amz-copy-source turns a PUT into a copy,
  // x-amz-metadata-directive rewrites metadata) or what is stored: S3 takes none the signature does not
  // cover, or a presigned URL (boto3 signs `host` alone) could be turned into another operation.
  const unsigned = unsignedAmzHeaders(req.headers, signedHeaders);
  if (unsigned.length > 0) {
    throw new S3Error('AccessDenied', 'There were headers present in the request which were not signed', 403, { HeadersNotSigned: unsigned.join(', ').slice(0, 1024) });
  }

  const key = await opts.lookup(credential.accessKeyId);
  if (!key) throw new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', 403, { AWSAccessKeyId: credential.accessKeyId.slice(0, 128) });

  // The canonical headers are the signed ones, with the values received; a signed header that is
  // absent cannot have been signed as it is.
  const headers: HeaderBag = {};
  for (const name of signedHeaders) {
    const value = header(req.headers, name);
    if (value === undefined) throw s3.signatureMismatch();
    headers[name] = value;
  }
  const scope = `${shortDate}/${opts.region}/s3/aws4_request`;
  const payloadHash = authorization !== undefined ? (header(req.headers, 'x-amz-content-sha256') ?? '') : payloadHashOfPresigned(query);
  // getCanonicalHeaders (inside the signer) would drop headers it never signs itself, such as Expect:
  // every header the client signed is passed as signable.
  const canonicalHeaders = getCanonicalHeaders({ headers } as HttpRequest, undefined, new Set(signedHeaders));
  const request = { method: req.method, path: req.rawPath, query, headers, protocol: 'http:', hostname: '' } as unknown as HttpRequest;
  const canonical = canonicalRequest(request, canonicalHeaders, payloadHash);
  const signing = keyOf(key.secretAccessKey, shortDate, opts.region);
  const expected = hmacHex(signing, `AWS4-HMAC-SHA256\n${longDate}\n${scope}\n${createHash('sha256').update(canonical, 'utf8').digest('hex')}`);
  if (!sameSignature(expected, signature)) throw s3.signatureMismatch();
  return {
    tenantId: key.tenantId,
    accessKeyId: credential.accessKeyId,
    payload,
    chain: { seed: signature, longDate, scope, sign: async (s) => hmacHex(signing, s) },
  };
}

/** The request's x-amz-* headers that SignedHeaders does not list (Node gives header names in lower case). */
function unsignedAmzHeaders(headers: IncomingHttpHeaders, signedHeaders: string[]): string[] {
  const out: string[] = [];
  for (const name of Object.keys(headers)) {
    if (name.startsWith('x-amz-') && !signedHeaders.includes(name)) out.push(name);
  }
  return out;
}

function payloadHashOfPresigned(query: QueryParameterBag): string {
  const v = query['X-Amz-Content-Sha256'];
  return (Array.isArray(v) ? v[0] : v) ?? 'UNSIGNED-PAYLOAD';
}

/**
 * The query of a request target as the signer wants it: names and values percent-decoded, a repeated
 * name as an array. Throws InvalidArgument for percent-encoding that is not valid UTF-8.
 */
export function parseQuery(raw: string): QueryParameterBag {
  const out: QueryParameterBag = {};
  if (!raw) return out;
  for (const pair of raw.split('&')) {
    if (!pair) continue;
    const at = pair.indexOf('=');
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(at < 0 ? pair : pair.slice(0, at));
      value = at < 0 ? '' : decodeURIComponent(pair.slice(at + 1));
    } catch {
      throw s3.invalidArgument('the query string is not valid percent-encoded UTF-8');
    }
    const prev = out[name];
    if (prev === undefined || prev === null) out[name] = value;
    else out[name] = Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}
