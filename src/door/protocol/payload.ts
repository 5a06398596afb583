import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import { Crc32c, Crc64Nvme } from '../../s3/signing.js';
import { sameSignature, type ChunkChain, type PayloadMode } from './signature.js';
import { S3Error, s3 } from './errors.js';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** Longest chunk header (`<hex size>;chunk-signature=<64 hex>`) or trailer line taken. */
const MAX_LINE = 4096;

/** A running digest of the body, base64 as the x-amz-checksum-* headers carry it. */
interface Digest {
  update(data: Buffer): void;
  value(): Promise<string>;
}

function nodeHash(alg: 'md5' | 'sha1' | 'sha256'): Digest {
  const h = createHash(alg);
  return { update: (d) => void h.update(d), value: async () => h.digest('base64') };
}

/** The checksum algorithms S3 takes in x-amz-checksum-* headers and trailers. */
const ALGORITHMS: Record<string, () => Digest> = {
  crc32: () => {
    let value = 0;
    return {
      update: (d) => void (value = crc32(d, value)),
      value: async () => {
        const out = Buffer.alloc(4);
        out.writeUInt32BE(value >>> 0);
        return out.toString('base64');
      },
    };
  },
  crc32c: () => sdkChecksum(new Crc32c()),
  crc64nvme: () => sdkChecksum(new Crc64Nvme()),
  sha1: () => nodeHash('sha1'),
  sha256: () => nodeHash('sha256'),
};

function sdkChecksum(c: { update(d: Uint8Array): void; digest(): Promise<Uint8Array> }): Digest {
  return { update: (d) => c.update(d), value: async () => Buffer.from(await c.digest()).toString('base64') };
}

const CHECKSUM_HEADER = /^x-amz-checksum-(crc32|crc32c|crc64nvme|sha1|sha256)$/;

/** What the body is checked against once it has all arrived; each fails with the error S3 sends. */
interface Check {
  digest: Digest;
  verify(actual: string, trailers: Map<string, string>): void;
}

export interface BodyCheckResult {
  /** The object's bytes, decoded and checked; errors (and never ends) when a check fails. */
  body: Readable;
  /** The object's length, when the client declared it. */
  contentLength: number | undefined;
  /** The x-amz-checksum-* the client sent (header or trailer), echoed in the answer as S3 does. */
  checksums: () => Record<string, string>;
}

/**
 * The request body as the object's bytes: aws-chunked framing removed (every chunk signature and the
 * trailer signature verified along the chain), and the payload SHA-256, Content-MD5 and
 * x-amz-checksum-* (header or trailer) verified. The last buffer is held back until every check has
 * passed, so a backend write never completes with a body that fails one: nothing is stored.
 */
export function checkedBody(raw: Readable, headers: IncomingHttpHeaders, payload: PayloadMode, chain: ChunkChain): BodyCheckResult {
  const checks: Check[] = [];
  const sent: Record<string, string> = {};
  const str = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v.join(',') : v;
  };

  if (payload.kind === 'signed') {
    const expected = payload.sha256;
    checks.push({
      digest: {
        ...(() => {
          const h = createHash('sha256');
          return { update: (d: Buffer) => void h.update(d), value: async () => h.digest('hex') };
        })(),
      },
      verify: (actual) => {
        if (actual !== expected) {
          throw new S3Error('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.", 400, {
            ClientComputedContentSHA256: expected,
            S3ComputedContentSHA256: actual,
          });
        }
      },
    });
  }
  const md5 = str('content-md5');
  if (md5 !== undefined) {
    if (Buffer.from(md5, 'base64').length !== 16 || !/^[A-Za-z0-9+/]+=*$/.test(md5))
      throw new S3Error('InvalidDigest', 'The Content-MD5 you specified was invalid.', 400, { 'Content-MD5': md5.slice(0, 64) });
    checks.push({
      digest: nodeHash('md5'),
      verify: (actual) => {
        if (actual !== md5) throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.', 400, { ExpectedDigest: md5, CalculatedDigest: actual });
      },
    });
  }
  for (const name of Object.keys(headers)) {
    const m = CHECKSUM_HEADER.exec(name);
    if (!m) continue;
    const value = str(name)!;
    sent[name] = value;
    checks.push({
      digest: ALGORITHMS[m[1]](),
      verify: (actual) => {
        if (actual !== value) throw new S3Error('BadDigest', `The ${m[1].toUpperCase()} you specified did not match the calculated checksum.`, 400);
      },
    });
  }

  const encoding = str('content-encoding') ?? '';
  const chunked = payload.kind === 'chunked';
  if (!chunked && /(^|,)\s*aws-chunked\s*(,|$)/i.test(encoding)) {
    throw s3.invalidArgument('Content-Encoding aws-chunked needs x-amz-content-sha256 STREAMING-UNSIGNED-PAYLOAD-TRAILER or STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]', 'x-amz-content-sha256');
  }
  let contentLength: number | undefined;
  let declaredTrailers: string[] = [];
  if (chunked) {
    const decoded = str('x-amz-decoded-content-length');
    if (decoded === undefined) throw new S3Error('MissingContentLength', 'You must provide the Content-Length HTTP header (x-amz-decoded-content-length for aws-chunked bodies).', 411);
    contentLength = Number(decoded);
    if (!/^\d+$/.test(decoded) || !Number.isSafeInteger(contentLength))
      throw s3.invalidArgument('x-amz-decoded-content-length must be a whole number of bytes', 'x-amz-decoded-content-length', decoded.slice(0, 64));
    declaredTrailers = (str('x-amz-trailer') ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean);
    if (payload.trailer && declaredTrailers.length === 0) throw s3.invalidRequest('x-amz-trailer must name the trailing checksum header of a STREAMING-*-TRAILER body');
    for (const name of declaredTrailers) {
      const m = CHECKSUM_HEADER.exec(name);
      if (!m) throw s3.invalidArgument(`x-amz-trailer names '${name.slice(0, 64)}'; only x-amz-checksum-crc32, -crc32c, -crc64nvme, -sha1 and -sha256 are taken`, 'x-amz-trailer');
      checks.push({
        digest: ALGORITHMS[m[1]](),
        verify: (actual, trailers) => {
          const value = trailers.get(name);
          if (value === undefined) throw s3.invalidRequest(`the body's trailer does not carry ${name}, which x-amz-trailer announced`);
          sent[name] = value;
          if (actual !== value) throw new S3Error('BadDigest', `The ${m[1].toUpperCase()} you specified did not match the calculated checksum.`, 400);
        },
      });
    }
  } else {
    const length = str('content-length');
    contentLength = length === undefined ? undefined : Number(length);
  }

  const body = new CheckedBody(
    checks,
    chunked ? { signed: payload.kind === 'chunked' && payload.signed, trailer: payload.kind === 'chunked' && payload.trailer, chain, length: contentLength! } : undefined,
  );
  raw.on('error', (err) => body.destroy(err));
  // Whoever reads the body gets its failures (a check that fails, bytes that do not add up) through
  // its own listener or iterator. An operation refused before it reads (a header it does not take)
  // leaves the body unread: its failure must not be an uncaught 'error' that ends the process.
  body.on('error', () => {});
  raw.pipe(body);
  return { body, contentLength, checksums: () => sent };
}

interface Framing {
  signed: boolean;
  trailer: boolean;
  chain: ChunkChain;
  /** x-amz-decoded-content-length: the decoded bytes must add up to it. */
  length: number;
}

const incomplete = () => new S3Error('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header', 400);
const badFraming = (why: string) => s3.invalidRequest(`the aws-chunked body is malformed: ${why}`);

class CheckedBody extends Transform {
  readonly #checks: Check[];
  readonly #framing: Framing | undefined;
  #held: Buffer | undefined;
  readonly #trailers = new Map<string, string>();
  // aws-chunked decoding state
  #state: 'size' | 'data' | 'data-crlf' | 'trailer' | 'done' = 'size';
  #line = '';
  #remaining = 0;
  #chunkHash: ReturnType<typeof createHash> | undefined;
  #chunkSignature = '';
  #previous = '';
  #decoded = 0;
  #lastChunkSeen = false;

  constructor(checks: Check[], framing: Framing | undefined) {
    super();
    this.#checks = checks;
    this.#framing = framing;
    this.#previous = framing?.chain.seed ?? '';
  }

  #emit(data: Buffer) {
    if (data.length === 0) return;
    for (const c of this.#checks) c.digest.update(data);
    if (this.#held) this.push(this.#held);
    this.#held = data;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (!this.#framing) {
      this.#emit(chunk);
      cb();
      return;
    }
    this.#decode(chunk).then(() => cb(), cb);
  }

  async #decode(chunk: Buffer): Promise<void> {
    const f = this.#framing!;
    let at = 0;
    while (at < chunk.length) {
      switch (this.#state) {
        case 'size':
        case 'trailer': {
          const nl = chunk.indexOf(0x0a, at);
          const end = nl < 0 ? chunk.length : nl + 1;
          this.#line += chunk.toString('latin1', at, end);
          at = end;
          if (this.#line.length > MAX_LINE) throw badFraming('a chunk header or trailer line is too long');
          if (nl < 0) break;
          const line = this.#line.replace(/\r?\n$/, '');
          this.#line = '';
          if (this.#state === 'size') await this.#header(line, f);
          else await this.#trailerLine(line, f);
          break;
        }
        case 'data': {
          const n = Math.min(this.#remaining, chunk.length - at);
          const data = chunk.subarray(at, at + n);
          this.#chunkHash?.update(data);
          this.#decoded += n;
          if (this.#decoded > f.length) throw incomplete();
          this.#emit(data);
          at += n;
          this.#remaining -= n;
          if (this.#remaining === 0) {
            await this.#verifyChunk(f);
            this.#state = 'data-crlf';
            this.#line = '';
          }
          break;
        }
        case 'data-crlf': {
          this.#line += chunk.toString('latin1', at, at + 1);
          at++;
          if (this.#line === '\r') break;
          if (this.#line !== '\r\n' && this.#line !== '\n') throw badFraming('chunk data does not end with CRLF');
          this.#line = '';
          this.#state = 'size';
          break;
        }
        case 'done':
          throw badFraming('bytes follow the end of the body');
      }
    }
  }

  async #header(line: string, f: Framing) {
    const m = /^([0-9a-fA-F]{1,15})(?:;chunk-signature=([0-9a-f]{64}))?\s*$/.exec(line);
    if (!m) throw badFraming(`'${line.slice(0, 80)}' is not a chunk header (<hex size>[;chunk-signature=<signature>])`);
    if (f.signed && !m[2]) throw new S3Error('SignatureDoesNotMatch', 'a chunk of a signed aws-chunked body has no chunk-signature', 403);
    const size = parseInt(m[1], 16);
    this.#chunkSignature = m[2] ?? '';
    this.#chunkHash = f.signed ? createHash('sha256') : undefined;
    if (size === 0) {
      await this.#verifyChunk(f);
      this.#lastChunkSeen = true;
      this.#state = 'trailer';
      return;
    }
    this.#remaining = size;
    this.#state = 'data';
  }

  /** A chunk's signature: over its data, chained from the one before (the seed for the first). */
  async #verifyChunk(f: Framing) {
    if (!f.signed) return;
    const hash = this.#chunkHash!.digest('hex');
    const stringToSign = ['AWS4-HMAC-SHA256-PAYLOAD', f.chain.longDate, f.chain.scope, this.#previous, EMPTY_SHA256, hash].join('\n');
    const expected = await f.chain.sign(stringToSign);
    if (!sameSignature(expected, this.#chunkSignature))
      throw new S3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided (a chunk signature of the aws-chunked body).', 403);
    this.#previous = expected;
  }

  async #trailerLine(line: string, f: Framing) {
    if (line === '') {
      if (f.signed && f.trailer && !this.#trailers.has('x-amz-trailer-signature'))
        throw new S3Error('SignatureDoesNotMatch', 'the trailer of a signed aws-chunked body has no x-amz-trailer-signature', 403);
      if (f.signed && f.trailer) await this.#verifyTrailer(f);
      this.#state = 'done';
      return;
    }
    const at = line.indexOf(':');
    if (at <= 0) throw badFraming(`trailer line '${line.slice(0, 80)}' is not <name>:<value>`);
    if (this.#trailers.size >= 16) throw badFraming('too many trailer lines');
    this.#trailers.set(line.slice(0, at).trim().toLowerCase(), line.slice(at + 1).trim());
  }

  /** The trailer's signature: over its checksum lines, chained from the last chunk's. */
  async #verifyTrailer(f: Framing) {
    const canonical = [...this.#trailers]
      .filter(([name]) => name !== 'x-amz-trailer-signature')
      .map(([name, value]) => `${name}:${value}\n`)
      .join('');
    const hash = createHash('sha256').update(canonical).digest('hex');
    const stringToSign = ['AWS4-HMAC-SHA256-TRAILER', f.chain.longDate, f.chain.scope, this.#previous, hash].join('\n');
    if (!sameSignature(await f.chain.sign(stringToSign), this.#trailers.get('x-amz-trailer-signature') ?? '')) {
      throw new S3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided (the trailer signature).', 403);
    }
  }

  override _flush(cb: TransformCallback): void {
    this.#finish().then(() => {
      if (this.#held) this.push(this.#held);
      this.#held = undefined;
      cb();
    }, cb);
  }

  async #finish() {
    const f = this.#framing;
    if (f) {
      // Without a trailer section the body may end right after the last chunk's CRLF.
      const ended = this.#state === 'done' || (this.#lastChunkSeen && !f.trailer && this.#state === 'trailer' && this.#line === '');
      if (!ended || this.#decoded !== f.length) throw incomplete();
    }
    for (const c of this.#checks) c.verify(await c.digest.value(), this.#trailers);
  }
}
