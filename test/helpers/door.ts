import { createHash } from 'node:crypto';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import type { FastifyInstance } from 'fastify';
import { Sha256 } from '../../src/s3/sha256.js';
import { admin, createTenant } from './app.js';
import { rgwSettings, rgwUser } from './rgw.js';

export interface S3Key {
  accessKeyId: string;
  secretAccessKey: string;
}

export type Driver = 'disk' | 'rgw';

/** A tenant on the given driver with an S3 key of its own; returns the key and its API key. */
export async function doorTenant(app: FastifyInstance, id: string, driver: Driver): Promise<{ key: S3Key; apiKey: string }> {
  const apiKey = await createTenant(app, driver === 'disk' ? { id, driver: 'disk' } : { id, driver: 's3', s3: rgwSettings(rgwUser(id)) });
  const res = await app.inject({ method: 'POST', url: `/admin/tenants/${id}/s3-keys`, headers: admin });
  if (res.statusCode !== 201) throw new Error(`creating an S3 key failed: ${res.statusCode} ${res.body}`);
  return { key: res.json() as S3Key, apiKey };
}

/** The door's URL, listening on loopback. */
export async function doorUrl(app: FastifyInstance): Promise<string> {
  if (!app.s3door.server.listening) await app.s3door.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.s3door.server.address() as { port: number };
  return `http://127.0.0.1:${port}`;
}

/** A default-configured SDK client (checksums as the SDK sends them today) pointed at the door. */
export function sdk(url: string, key: S3Key, extra: Partial<S3ClientConfig> = {}): S3Client {
  return new S3Client({ endpoint: url, region: 'us-east-1', forcePathStyle: true, credentials: key, maxAttempts: 1, ...extra });
}

/** What an SDK call that must fail failed with: its error name, HTTP status and message. */
export async function failure(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('expected the call to fail');
}

/** The <Code> of an S3 error document. */
export const codeOf = (xml: string) => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/**
 * Signs a request with SigV4 as a client would (the signing library, not the gateway's code), for
 * requests no installed client sends: signed aws-chunked bodies, tampered signatures, odd headers.
 */
export async function signed(
  url: string,
  key: S3Key,
  req: { method: string; path: string; query?: Record<string, string>; headers?: Record<string, string>; payloadHash: string; date?: Date; region?: string },
): Promise<{ headers: Record<string, string>; signature: string; longDate: string; scope: string; signer: SignatureV4; path: string }> {
  const u = new URL(url);
  const signer = new SignatureV4({ service: 's3', region: req.region ?? 'us-east-1', credentials: key, sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const date = req.date ?? new Date();
  const out = await signer.sign(
    {
      method: req.method,
      protocol: 'http:',
      hostname: u.hostname,
      port: Number(u.port),
      path: req.path,
      query: req.query ?? {},
      headers: { host: u.host, 'x-amz-content-sha256': req.payloadHash, ...req.headers },
    },
    { signingDate: date },
  );
  const headers = out.headers as Record<string, string>;
  const signature = /Signature=([0-9a-f]{64})/.exec(headers.authorization)![1];
  const longDate = headers['x-amz-date'];
  const query = new URLSearchParams(req.query ?? {}).toString();
  return { headers, signature, longDate, scope: `${longDate.slice(0, 8)}/${req.region ?? 'us-east-1'}/s3/aws4_request`, signer, path: req.path + (query ? `?${query}` : '') };
}

/**
 * A STREAMING-AWS4-HMAC-SHA256-PAYLOAD body: each chunk signed over the previous signature (the seed
 * first), as the signed aws-chunked mode of the SDKs frames it. `tamper` changes a byte of that chunk
 * after it was signed.
 */
export async function signedChunks(signer: SignatureV4, seed: string, longDate: string, scope: string, chunks: Buffer[], opts: { tamper?: number; trailer?: string } = {}): Promise<Buffer> {
  const date = new Date(Date.UTC(+longDate.slice(0, 4), +longDate.slice(4, 6) - 1, +longDate.slice(6, 8), +longDate.slice(9, 11), +longDate.slice(11, 13), +longDate.slice(13, 15)));
  const parts: Buffer[] = [];
  let previous = seed;
  for (const [i, chunk] of [...chunks, Buffer.alloc(0)].entries()) {
    const stringToSign = ['AWS4-HMAC-SHA256-PAYLOAD', longDate, scope, previous, sha256(''), sha256(chunk)].join('\n');
    const signature = await signer.sign(stringToSign, { signingDate: date });
    previous = signature;
    const data = Buffer.from(chunk);
    if (opts.tamper === i && data.length > 0) data[0] ^= 1;
    parts.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${signature}\r\n`), data, Buffer.from('\r\n'));
  }
  if (opts.trailer !== undefined) {
    // The trailer's own signature chains from the last (empty) chunk's.
    parts.pop();
    const canonical = `${opts.trailer}\n`;
    const stringToSign = ['AWS4-HMAC-SHA256-TRAILER', longDate, scope, previous, sha256(canonical)].join('\n');
    const signature = await signer.sign(stringToSign, { signingDate: date });
    parts.push(Buffer.from(`${opts.trailer}\r\nx-amz-trailer-signature:${signature}\r\n\r\n`));
  }
  return Buffer.concat(parts);
}
