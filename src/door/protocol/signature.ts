import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { QueryParameterBag } from '../../s3/signing.js';

// What every signature version shares: the request as signed, and what a verified one yields.

/** How far a request's signing time may be from the gateway's clock, as S3 allows. */
export const MAX_SKEW_MS = 15 * 60 * 1000;
export type PayloadMode =
  | { kind: 'signed'; sha256: string }
  | { kind: 'unsigned' }
  /** aws-chunked bodies: chunk signatures chained from the seed, and/or a checksum trailer. */
  | { kind: 'chunked'; signed: boolean; trailer: boolean };

/** A request whose signature checked out: who signed it, and what its body must be checked against. */
export interface Authenticated {
  tenantId: string;
  accessKeyId: string;
  payload: PayloadMode;
  /** What the chunk and trailer signatures of an aws-chunked body chain from. */
  chain: ChunkChain;
  /** Headers a SigV2 presigned URL carries in its query (Content-Type, x-amz-*), signed: the request has them. */
  queryHeaders?: Record<string, string>;
}

export interface ChunkChain {
  seed: string;
  longDate: string;
  scope: string;
  /** Signs a string with the request's signing key (the chunk signatures' last step). */
  sign(stringToSign: string): Promise<string>;
}

/** The parts of a request its signature covers, as received (path still percent-encoded). */
export interface SignedRequest {
  method: string;
  /** The path exactly as the client sent it, before decoding. */
  rawPath: string;
  query: QueryParameterBag;
  /** The query exactly as sent (SigV2 signs `name` and `name=` differently). */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  /** The bucket a virtual-hosted request names in its Host (SigV2 signs it as the path's first segment). */
  hostBucket?: string;
}

export type KeyLookup = (accessKeyId: string) => Promise<{ tenantId: string; secretAccessKey: string } | undefined>;

/** Compares signatures in constant time (a timing difference would tell an attacker how much of one matched). */
export function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
