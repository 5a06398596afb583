import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM for secrets at rest: `v1.<iv>.<tag>.<ciphertext>` in base64url. Seals with the current
 * key; opens with it or with a previous one (during a master-key rotation, until every secret has been
 * sealed again with the current key).
 */
export class SecretBox {
  readonly #key: Buffer;
  readonly #previous: Buffer[];
  /**
   * Opened secrets by their sealed form, bounded (oldest out): the S3 door opens a key's secret on every
   * request and the dispatcher a subscription's on every delivery, and AES-GCM each time showed in
   * both profiles. A sealed form opens to the same text for the life of the process (its keys are fixed).
   */
  readonly #opened = new Map<string, string>();

  constructor(key: Buffer, previous: Buffer[] = []) {
    for (const k of [key, ...previous]) if (k.length !== 32) throw new Error('SecretBox needs 32-byte keys');
    this.#key = key;
    this.#previous = previous;
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
  }

  open(sealed: string): string {
    let opened = this.#opened.get(sealed);
    if (opened !== undefined) return opened;
    opened = openWith(this.#key, sealed);
    for (const k of this.#previous) opened ??= openWith(k, sealed);
    if (opened === undefined) throw new Error('the sealed secret does not open with the master key');
    if (this.#opened.size >= OPENED_KEPT) this.#opened.delete(this.#opened.keys().next().value!);
    this.#opened.set(sealed, opened);
    return opened;
  }

  /** The secret sealed again with the current key, or undefined when it already is (or opens with no key). */
  reseal(sealed: string): string | undefined {
    if (openWith(this.#key, sealed) !== undefined) return undefined;
    for (const k of this.#previous) {
      const old = openWith(k, sealed);
      if (old !== undefined) return this.seal(old);
    }
    return undefined;
  }
}

const OPENED_KEPT = 10_000;

function openWith(key: Buffer, sealed: string): string | undefined {
  const [v, iv, tag, data] = sealed.split('.');
  if (v !== 'v1' || !iv || !tag || data === undefined) throw new Error('not a sealed secret');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
