import { hmacHex, signingKey } from '../../s3/signing.js';
import { S3Error } from './errors.js';
import { sameSignature } from './signature.js';
import { signV2 } from './sigv2.js';

/**
 * POST Object's policy document (docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html):
 * base64 JSON of `expiration` and `conditions`, signed as it is sent (SigV4: hex HMAC-SHA256 with the
 * signing key of x-amz-credential's scope; SigV2: base64 HMAC-SHA1 with the secret).
 */
export type Condition = { op: 'eq' | 'starts-with'; field: string; value: string } | { op: 'range'; min: number; max: number };

export interface PostPolicy {
  expiration: Date;
  conditions: Condition[];
}

const invalid = (why: string) => new S3Error('InvalidPolicyDocument', `Invalid Policy: ${why}`, 400);
const denied = (why: string) => new S3Error('AccessDenied', `Invalid according to Policy: ${why}`, 403);

/** The policy's JSON, checked for shape: names as AWS spells them (`expiration`, `conditions`), ops in any case. */
export function parsePolicy(base64: string, now = Date.now()): PostPolicy {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(base64, 'base64').toString('utf8'));
  } catch {
    throw invalid('the policy is not base64-encoded JSON');
  }
  if (typeof doc !== 'object' || doc === null) throw invalid('the policy is not a JSON object');
  const { expiration, conditions } = doc as Record<string, unknown>;
  if (typeof expiration !== 'string') throw invalid('Policy missing expiration');
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(expiration) || Number.isNaN(Date.parse(expiration))) throw invalid(`Invalid 'expiration' value: '${expiration.slice(0, 64)}'`);
  if (!Array.isArray(conditions)) throw invalid('Policy missing conditions');
  const out: Condition[] = conditions.map((c) => conditionOf(c));
  if (Date.parse(expiration) < now) throw denied('Policy expired.');
  return { expiration: new Date(expiration), conditions: out };
}

function conditionOf(c: unknown): Condition {
  if (Array.isArray(c)) {
    const op = String(c[0] ?? '').toLowerCase();
    if (op === 'content-length-range') {
      const [min, max] = [Number(c[1]), Number(c[2])];
      if (c.length !== 3 || !Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min < 0 || max < min) throw invalid('content-length-range takes two whole numbers, min <= max');
      return { op: 'range', min, max };
    }
    if ((op !== 'eq' && op !== 'starts-with') || c.length !== 3 || typeof c[1] !== 'string' || !c[1].startsWith('$') || typeof c[2] !== 'string') {
      throw invalid(`Invalid condition: ${JSON.stringify(c).slice(0, 200)}`);
    }
    return { op, field: c[1].slice(1).toLowerCase(), value: c[2] };
  }
  if (typeof c === 'object' && c !== null) {
    const entries = Object.entries(c);
    if (entries.length !== 1 || typeof entries[0][1] !== 'string') throw invalid(`Invalid condition: ${JSON.stringify(c).slice(0, 200)}`);
    return { op: 'eq', field: entries[0][0].toLowerCase(), value: entries[0][1] };
  }
  throw invalid(`Invalid condition: ${JSON.stringify(c)?.slice(0, 200)}`);
}

/** Form fields no condition needs to name. */
const EXEMPT = /^(policy|signature|x-amz-signature|awsaccesskeyid|file|x-ignore-.*)$/;

/**
 * Checks the form's fields (names lower-cased; `bucket` is the URL's) against the policy: every condition
 * holds, and every field but the exempt ones is named by a condition. The length range is returned, to
 * be held to while the file streams.
 */
export function checkFields(policy: PostPolicy, fields: Map<string, string>): { min: number; max: number } | undefined {
  let range: { min: number; max: number } | undefined;
  const named = new Set<string>(['bucket']);
  for (const c of policy.conditions) {
    if (c.op === 'range') {
      range = { min: c.min, max: c.max };
      continue;
    }
    named.add(c.field);
    const value = fields.get(c.field) ?? '';
    if (c.op === 'eq' ? value !== c.value : !value.startsWith(c.value)) throw denied(`Policy Condition failed: ["${c.op}", "$${c.field}", "${c.value.slice(0, 200)}"]`);
  }
  for (const name of fields.keys()) if (!named.has(name) && !EXEMPT.test(name)) throw denied(`Extra input fields: ${name.slice(0, 100)}`);
  return range;
}

/** The policy's signature as the form's fields carry it: SigV4 (x-amz-*) or SigV2 (AWSAccessKeyId, signature). */
export interface PostCredentials {
  accessKeyId: string;
  verify(secret: string): boolean;
}

export function credentialsOf(fields: Map<string, string>, policy: string, region: string): PostCredentials | undefined {
  const credential = fields.get('x-amz-credential');
  if (credential !== undefined) {
    const [accessKeyId, date, scopeRegion, service, terminal] = credential.split('/');
    const signature = fields.get('x-amz-signature');
    if (fields.get('x-amz-algorithm') !== 'AWS4-HMAC-SHA256') throw new S3Error('InvalidArgument', 'x-amz-algorithm must be AWS4-HMAC-SHA256', 400);
    if (!signature || !date || scopeRegion !== region || service !== 's3' || terminal !== 'aws4_request') {
      throw new S3Error('InvalidArgument', `Bucket POST needs x-amz-signature and x-amz-credential <key>/<yyyymmdd>/${region}/s3/aws4_request`, 400);
    }
    return {
      accessKeyId,
      verify: (secret) => sameSignature(hmacHex(signingKey(secret, date, region), policy), signature),
    };
  }
  const accessKeyId = fields.get('awsaccesskeyid');
  if (accessKeyId === undefined) return undefined;
  const signature = fields.get('signature');
  if (!signature) throw new S3Error('InvalidArgument', "Bucket POST must contain a field named 'Signature' beside 'AWSAccessKeyId'", 400);
  return { accessKeyId, verify: (secret) => sameSignature(signV2(secret, policy), signature) };
}
