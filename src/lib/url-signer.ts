import { createHmac, hkdfSync } from 'node:crypto';
import { safeEqual } from './api-keys.js';

export interface SignedRequest {
  tenant: string;
  /**
   * When the tenant was created: part of the signature (not of the URL), so a URL signed for a
   * tenant that was deleted does not open a new tenant given the same id.
   */
  tenantCreatedAt: string;
  /** TUS: creating a resumable upload of bucket/key (POST /v1/uploads), then its upload URL. */
  method: 'GET' | 'PUT' | 'TUS';
  bucket: string;
  key: string;
  /** Unix seconds. */
  expires: number;
  contentType?: string;
  /** The tus upload an upload URL is for (the creation URL has none). */
  upload?: string;
  /** A tus creation URL's own random id: the URL creates one upload, recorded under it. */
  nonce?: string;
}

/**
 * Encodes a key for a URL path: each segment percent-encoded with `/` kept, which reads well. A key
 * with a `.` or `..` segment is encoded whole (`/` as %2F): HTTP clients remove dot segments, even
 * percent-encoded ones (WHATWG URL), but never inside a segment. The gateway decodes both forms.
 */
export function encodeKeyPath(key: string): string {
  const segments = key.split('/');
  if (segments.some((s) => s === '.' || s === '..')) return encodeURIComponent(key);
  return segments.map(encodeURIComponent).join('/');
}

/**
 * Presigned URLs of the gateway itself (for tenants on the disk driver): an HMAC over tenant (and its creation time), method,
 * bucket, key, expiry and content type, with a key derived from the master key.
 */
export class UrlSigner {
  readonly #keys: Buffer[];

  /** Signs with a key derived from masterKey; URLs signed with a previous master key stay valid. */
  constructor(masterKey: Buffer, previous: Buffer[] = []) {
    this.#keys = [masterKey, ...previous].map((k) => Buffer.from(hkdfSync('sha256', k, Buffer.alloc(0), 's3gate presigned urls', 32)));
  }

  #mac(r: SignedRequest, key = this.#keys[0]): string {
    return createHmac('sha256', key)
      .update(JSON.stringify([r.tenant, r.tenantCreatedAt, r.method, r.bucket, r.key, r.expires, r.contentType ?? '', ...(r.upload ? [r.upload] : []), ...(r.nonce ? [`n:${r.nonce}`] : [])]))
      .digest('base64url');
  }

  /** The URL under origin (scheme://host[:port] of the gateway as the client reaches it). */
  sign(origin: string, r: SignedRequest): string {
    if (r.method === 'TUS') return `${origin}/v1/uploads${r.upload ? `/${r.upload}` : ''}?${this.query(r)}`;
    return `${origin}/v1/presigned/${encodeURIComponent(r.bucket)}/${encodeKeyPath(r.key)}?${this.query(r)}`;
  }

  /** The query string that carries the signature (tus uploads name their bucket and key in it). */
  query(r: SignedRequest): URLSearchParams {
    const q = new URLSearchParams({ tenant: r.tenant, method: r.method, expires: String(r.expires) });
    if (r.method === 'TUS') {
      q.set('bucket', r.bucket);
      q.set('key', r.key);
      if (r.nonce) q.set('nonce', r.nonce);
    }
    if (r.contentType) q.set('contentType', r.contentType);
    q.set('signature', this.#mac(r));
    return q;
  }

  /** Why the URL is not valid, or undefined when it is. */
  check(r: SignedRequest, signature: string, now = Date.now()): string | undefined {
    if (!this.#keys.some((key) => safeEqual(signature, this.#mac(r, key)))) return 'the signature does not match';
    if (r.expires * 1000 < now) return `it expired at ${new Date(r.expires * 1000).toISOString()}`;
    return undefined;
  }
}
