import { createHmac, randomBytes } from 'node:crypto';

/** A Standard Webhooks secret: whsec_ + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return 'whsec_' + randomBytes(32).toString('base64');
}

/** Secrets' key bytes, decoded once (a delivery signs with the same few secrets over and over). */
const keys = new Map<string, Buffer>();

function keyOf(secret: string): Buffer {
  let key = keys.get(secret);
  if (!key) {
    key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
    if (keys.size >= 10_000) keys.delete(keys.keys().next().value!);
    keys.set(secret, key);
  }
  return key;
}

/**
 * The webhook-signature header: one `v1,<base64>` per secret, space-separated (for rotation). Standard
 * Webhooks' signature is HMAC-SHA256 over `id.timestamp.body` with the secret's bytes; node:crypto
 * computes it (the standardwebhooks package's pure-JavaScript SHA-256 showed in a burst's profile).
 * Receivers verify it with that package in the tests.
 */
export function signatureHeader(secrets: string[], id: string, timestamp: Date, body: string): string {
  const signed = `${id}.${Math.floor(timestamp.getTime() / 1000)}.${body}`;
  return secrets.map((s) => `v1,${createHmac('sha256', keyOf(s)).update(signed).digest('base64')}`).join(' ');
}
