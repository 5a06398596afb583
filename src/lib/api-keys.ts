import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 's3g_';

/** A new API key: 256 random bits, shown once; only its hash is stored. */
export function newApiKey(): { id: string; apiKey: string; hash: string } {
  const apiKey = PREFIX + randomBytes(32).toString('base64url');
  return { id: 'key_' + randomBytes(9).toString('base64url'), apiKey, hash: hashApiKey(apiKey) };
}

export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith(PREFIX) && value.length > PREFIX.length + 20 && value.length < 200;
}

/** Constant-time comparison of two secrets of any length. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** Reads `Authorization: Bearer <token>`; undefined when absent or of another scheme. */
export function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}
