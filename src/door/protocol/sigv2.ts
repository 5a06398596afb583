import { createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { S3Error, s3 } from './errors.js';
import { MAX_SKEW_MS, sameSignature, type Authenticated, type KeyLookup, type SignedRequest } from './signature.js';

/**
 * AWS Signature Version 2 (docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html), as
 * boto3 signs presigned URLs in us-east-1 by default and s3cmd --signature-v2 signs requests:
 *
 *   Signature = Base64(HMAC-SHA1(secret, UTF-8(StringToSign)))
 *   StringToSign = Verb \n Content-MD5 \n Content-Type \n Date-or-Expires \n CanonicalizedAmzHeaders CanonicalizedResource
 *
 * It signs no payload (the body is checked by Content-MD5 when sent) and every x-amz-* header of the
 * request, so no header can be added to a signed request.
 */

/** Subresources the canonical resource keeps (botocore's list and RGW's); any other parameter is not signed. */
const SUBRESOURCES = new Set([
  'accelerate',
  'acl',
  'analytics',
  'append',
  'cors',
  'defaultObjectAcl',
  'delete',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'legal-hold',
  'lifecycle',
  'location',
  'logging',
  'metrics',
  'notification',
  'object-lock',
  'partNumber',
  'policy',
  'policyStatus',
  'position',
  'publicAccessBlock',
  'replication',
  'requestPayment',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
  'restore',
  'retention',
  'select',
  'select-type',
  'storageClass',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
]);

/** Whether a request is signed with SigV2: an `AWS key:signature` header, or AWSAccessKeyId/Signature in the query. */
export function isSigV2(req: Pick<SignedRequest, 'headers' | 'query'>): boolean {
  const authorization = req.headers.authorization;
  return typeof authorization === 'string' ? authorization.startsWith('AWS ') : req.query.AWSAccessKeyId !== undefined || req.query.Signature !== undefined;
}

const first = (v: string | string[] | null | undefined) => (Array.isArray(v) ? v[0] : (v ?? undefined));

/** The query's pairs as sent: a name with `=` keeps it (`versionId=`), one without does not (`uploads`). */
function rawPairs(rawQuery: string): [string, string | undefined][] {
  const out: [string, string | undefined][] = [];
  for (const pair of rawQuery.split('&')) {
    if (!pair) continue;
    const at = pair.indexOf('=');
    try {
      out.push(at < 0 ? [decodeURIComponent(pair), undefined] : [decodeURIComponent(pair.slice(0, at)), decodeURIComponent(pair.slice(at + 1))]);
    } catch {
      throw s3.invalidArgument('the query string is not valid percent-encoded UTF-8');
    }
  }
  return out;
}

/**
 * The string to sign of a request. `fields` are the headers that count: for a presigned URL, the
 * Content-Type, Content-MD5 and x-amz-* a signer put in the query (botocore does) with the request's own
 * headers over them.
 */
export function stringToSignV2(method: string, resourcePath: string, rawQuery: string, fields: Record<string, string>, date: string): string {
  const amz = Object.keys(fields)
    .filter((name) => name.startsWith('x-amz-'))
    .sort()
    .map((name) => `${name}:${fields[name]}\n`)
    .join('');
  const sub = rawPairs(rawQuery)
    .filter(([name]) => SUBRESOURCES.has(name))
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([name, value]) => (value === undefined ? name : `${name}=${value}`));
  const resource = resourcePath + (sub.length > 0 ? `?${sub.join('&')}` : '');
  return `${method}\n${fields['content-md5'] ?? ''}\n${fields['content-type'] ?? ''}\n${date}\n${amz}${resource}`;
}

export const signV2 = (secret: string, stringToSign: string) => createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');

/** The request's headers that SigV2 signs, lower-cased, repeated values joined with `,` and trimmed. */
function signedFields(headers: IncomingHttpHeaders, fromQuery: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { ...fromQuery };
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || !(name.startsWith('x-amz-') || name === 'content-md5' || name === 'content-type')) continue;
    out[name] = (Array.isArray(value) ? value : [value]).map((v) => v.trim()).join(',');
  }
  return out;
}

/**
 * Verifies a SigV2 request: the Authorization header (`AWS key:signature`, with Date or x-amz-date within
 * 15 minutes) or a presigned query (AWSAccessKeyId, Signature, Expires). Throws S3's errors:
 * AccessDenied for an expired URL, RequestTimeTooSkewed, InvalidAccessKeyId, SignatureDoesNotMatch.
 */
export async function authenticateV2(req: SignedRequest, opts: { lookup: KeyLookup; now?: number }): Promise<Authenticated> {
  const now = opts.now ?? Date.now();
  const authorization = first(req.headers.authorization);
  let accessKeyId: string;
  let signature: string;
  let date: string;
  const fromQuery: Record<string, string> = {};
  if (authorization !== undefined) {
    const m = /^AWS ([^:\s]+):(\S+)$/.exec(authorization.trim());
    if (!m) throw new S3Error('InvalidArgument', 'The authorization header is malformed; it must be AWS <access key id>:<signature>', 400, { ArgumentName: 'Authorization' });
    [, accessKeyId, signature] = m;
    const amzDate = first(req.headers['x-amz-date']);
    const raw = amzDate ?? first(req.headers.date);
    const when = raw === undefined ? Number.NaN : Date.parse(raw);
    if (Number.isNaN(when)) throw s3.accessDenied('AWS authentication requires a valid Date or x-amz-date header');
    if (Math.abs(now - when) > MAX_SKEW_MS) {
      throw new S3Error('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', 403, {
        RequestTime: raw ?? '',
        ServerTime: new Date(now).toISOString(),
        MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
      });
    }
    // With x-amz-date the Date line is empty (it is signed among the x-amz-* headers).
    date = amzDate !== undefined ? '' : (raw ?? '');
  } else {
    accessKeyId = first(req.query.AWSAccessKeyId) ?? '';
    signature = first(req.query.Signature) ?? '';
    date = first(req.query.Expires) ?? '';
    if (!accessKeyId || !signature || !date) {
      throw new S3Error('AccessDenied', 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters', 403);
    }
    const expires = Number(date);
    if (!/^\d+$/.test(date) || !Number.isSafeInteger(expires)) throw new S3Error('AccessDenied', 'Expires must be a number of seconds since the epoch', 403);
    if (now > expires * 1000) throw new S3Error('AccessDenied', 'Request has expired', 403, { Expires: new Date(expires * 1000).toISOString(), ServerTime: new Date(now).toISOString() });
    for (const [name, value] of Object.entries(req.query)) {
      const lower = name.toLowerCase();
      const v = first(value);
      if (v !== undefined && (lower.startsWith('x-amz-') || lower === 'content-type' || lower === 'content-md5')) fromQuery[lower] = v;
    }
  }
  const key = await opts.lookup(accessKeyId);
  if (!key) throw new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', 403, { AWSAccessKeyId: accessKeyId.slice(0, 128) });
  // The bucket's own resource is `/bucket/` however it was addressed (`/bucket` in path style).
  const path = req.hostBucket !== undefined ? `/${req.hostBucket}${req.rawPath}` : req.rawPath;
  const resourcePath = path !== '/' && path.indexOf('/', 1) < 0 ? `${path}/` : path;
  const toSign = stringToSignV2(req.method, resourcePath, req.rawQuery, signedFields(req.headers, fromQuery), date);
  if (!sameSignature(signV2(key.secretAccessKey, toSign), signature)) throw s3.signatureMismatch();
  return {
    tenantId: key.tenantId,
    accessKeyId,
    payload: { kind: 'unsigned' },
    queryHeaders: fromQuery,
    chain: {
      seed: '',
      longDate: '',
      scope: '',
      sign: () => Promise.reject(s3.invalidRequest('aws-chunked bodies need SigV4')),
    },
  };
}
