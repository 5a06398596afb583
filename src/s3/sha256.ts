import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

/** SHA-256 and HMAC-SHA-256 for the signer, on node:crypto. */
export class Sha256 {
  readonly #h: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#h = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#h.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.#h.digest();
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}
