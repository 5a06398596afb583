import { createHash } from 'node:crypto';
import { getCanonicalHeaders, SignatureV4Base } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, HttpRequest } from '@smithy/types';
import { Sha256 } from './sha256.js';
import { hmacHex, signingKey } from './signing.js';

/** What a signed request is made of: the path already URI-encoded as S3 wants it, the query decoded. */
export interface ToSign {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-case names, host and x-amz-content-sha256 included. */
  headers: Record<string, string>;
  /** x-amz-content-sha256: UNSIGNED-PAYLOAD or the body's SHA-256. */
  payloadHash: string;
}

/**
 * A tenant's SigV4 header signer for the signed hot path, on @smithy/signature-v4's canonical request
 * and header rules (SignatureV4Base, getCanonicalHeaders), with the signing key kept by the tenant.
 * `SignatureV4.sign` derives its cache key with an HMAC of the secret on every request and keeps 50
 * keys for the whole process: past 50 live tenants each request derived its key again (four more HMACs).
 * Here one key per tenant lives until the day or the credentials change: two hashes per request.
 */
export class RequestSigner extends SignatureV4Base {
  readonly #region: string;
  #key?: { shortDate: string; credentials: AwsCredentialIdentity; key: Buffer };
  #date?: { second: number; longDate: string; shortDate: string };

  constructor(region: string, credentials: AwsCredentialIdentityProvider) {
    // S3 signs the path as sent: no second encoding.
    super({ service: 's3', region, credentials, sha256: Sha256, uriEscapePath: false });
    this.#region = region;
  }

  /** The headers to send: `headers` with x-amz-date, the session token and the Authorization. */
  async sign(req: ToSign, now = new Date()): Promise<Record<string, string>> {
    const credentials = await this.credentialProvider();
    this.validateResolvedCredentials(credentials);
    const { longDate, shortDate } = this.#dates(now);
    const headers: Record<string, string> = { ...req.headers, 'x-amz-date': longDate };
    // Made by signing, never passed on (as SignatureV4 drops them).
    delete headers.authorization;
    delete headers.date;
    if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;
    const canonicalHeaders = getCanonicalHeaders({ headers } as unknown as HttpRequest);
    const canonical = this.createCanonicalRequest({ method: req.method, path: req.path, query: req.query, headers } as unknown as HttpRequest, canonicalHeaders, req.payloadHash);
    const scope = `${shortDate}/${this.#region}/s3/aws4_request`;
    const stringToSign = `AWS4-HMAC-SHA256\n${longDate}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
    const signature = hmacHex(this.#signingKey(credentials, shortDate), stringToSign);
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${this.getCanonicalHeaderList(canonicalHeaders)}, Signature=${signature}`;
    return headers;
  }

  /** x-amz-date and its day, formatted once a second (the signature's resolution). */
  #dates(now: Date): { longDate: string; shortDate: string } {
    const second = Math.floor(now.getTime() / 1000);
    if (this.#date?.second !== second) this.#date = { second, ...this.formatDate(now) };
    return this.#date;
  }

  #signingKey(credentials: AwsCredentialIdentity, shortDate: string): Buffer {
    // The same credentials object (a static identity, or a refreshed one until its next refresh): the key
    // derives from nothing else. A provider that returns a new object each time only costs a derivation.
    const k = this.#key;
    if (k && k.shortDate === shortDate && k.credentials === credentials) return k.key;
    const key = signingKey(credentials.secretAccessKey, shortDate, this.#region);
    this.#key = { shortDate, credentials, key };
    return key;
  }
}
