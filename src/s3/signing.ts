import { createHmac } from 'node:crypto';
import { SignatureV4Base } from '@smithy/signature-v4';
import type { HeaderBag, HttpRequest } from '@smithy/types';
import { Sha256 } from './sha256.js';

/**
 * The AWS SDK's signing and checksum primitives, for the S3 door's protocol (src/door/protocol): the
 * door verifies SigV4 with the same arithmetic the SDK signs with, and only src/s3 imports the SDK.
 */
export { getCanonicalHeaders } from '@smithy/signature-v4';
export type { HeaderBag, HttpRequest, QueryParameterBag } from '@smithy/types';
export { Crc32c, Crc64Nvme } from '@aws-sdk/checksums/crc';
export { Sha256 };

/** SigV4's signing key: the secret's HMAC chain over the day, the region, the service and `aws4_request`. */
export function signingKey(secret: string, shortDate: string, region: string, service = 's3'): Buffer {
  let key = Buffer.from(`AWS4${secret}`);
  for (const part of [shortDate, region, service, 'aws4_request']) key = createHmac('sha256', key).update(part, 'utf8').digest();
  return key;
}

/** A signature's last step: HMAC-SHA256 of the string to sign, in hex. */
export const hmacHex = (key: Buffer, data: string): string => createHmac('sha256', key).update(data, 'utf8').digest('hex');

/** @smithy/signature-v4's canonical request rules for S3 (the path signed as sent, never encoded again). */
class S3Canonical extends SignatureV4Base {
  constructor() {
    super({
      service: 's3',
      region: '',
      // Only the canonical request is asked of it: whoever signs or verifies holds the key.
      credentials: () => Promise.reject(new Error('the canonical request needs no credentials')),
      sha256: Sha256,
      uriEscapePath: false,
      applyChecksum: false,
    });
  }

  canonical(request: HttpRequest, canonicalHeaders: HeaderBag, payloadHash: string): string {
    return this.createCanonicalRequest(request, canonicalHeaders, payloadHash);
  }
}

const s3Canonical = new S3Canonical();

/** SigV4's canonical request of an S3 request: method, path as sent, sorted query, the headers given, the payload hash. */
export const canonicalRequest = (request: HttpRequest, canonicalHeaders: HeaderBag, payloadHash: string): string => s3Canonical.canonical(request, canonicalHeaders, payloadHash);
