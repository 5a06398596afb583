import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { S3Settings } from '../model/tenant.js';
import type { AwsCredentialIdentityProvider, RetryErrorType, RetryStrategyV2 } from '@smithy/types';
import type { DriverHooks } from '../model/object-store.js';
import { mapS3Error, observed } from './map-error.js';
import { trace } from '../lib/tracing.js';
import { CONTENT_HEADERS, type ByteRange, type Conditions, type ContentHeaders, type ForwardRequest, type ObjectInfo } from '../model/object-store.js';
import { formatRange } from './ranges.js';
import { RequestSigner } from './request-signer.js';
import type { WritePrecondition } from '../model/preconditions.js';
import { tagHeader, type Tags } from '../model/tags.js';

/** S3's URI encoding: every byte but A-Z a-z 0-9 - _ . ~ (and / between key segments). */
const encodeSegment = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const RETRY_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT']);
/** The statuses the SDK counts as transient (and SlowDown's 503 as throttling): the ones retried. */
const TRANSIENT_STATUS = new Set([500, 502, 503, 504]);

/** How the SDK's retry strategy would class a failed attempt; undefined: not retried. */
function retryTypeOf(outcome: { err?: unknown; status?: number }): RetryErrorType | undefined {
  if (outcome.err !== undefined) {
    const e = outcome.err as NodeJS.ErrnoException;
    return RETRY_CODES.has(e.code ?? '') || e.name === 'TimeoutError' ? 'TRANSIENT' : undefined;
  }
  const status = outcome.status ?? 0;
  if (status === 429) return 'THROTTLING';
  return TRANSIENT_STATUS.has(status) ? 'TRANSIENT' : undefined;
}

interface Target {
  protocol: string;
  hostname: string;
  port: number | undefined;
  host: string;
  path: string;
}

export type ReadResult =
  | { status: 416 }
  | { status: 200 | 206; info: ObjectInfo; body: http.IncomingMessage; contentLength: number; contentRange?: string; partsCount?: number }
  | { status: 304; info: Pick<ObjectInfo, 'etag' | 'lastModified'> };

export interface SignedRequestsOptions {
  s3: S3Settings;
  /** The tenant's agents (made on first use). */
  agents: { readonly http: http.Agent; readonly https: https.Agent };
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  credentials: AwsCredentialIdentityProvider;
  hooks: DriverHooks;
  /** The tenant's S3Client's retry strategy: one policy (attempts, backoff, jitter, quota) for both paths. */
  retryStrategy: RetryStrategyV2;
}

/**
 * The hot paths (GET, HEAD and PUT of an object) as one SigV4-signed request on the tenant's own agent.
 * The SDK's middleware stack cost about a third of the gateway's CPU on a small GET (measured with
 * --cpu-prof), and these requests need none of it. Same semantics as GetObject/HeadObject/PutObject:
 * errors go through the same mapping; GET and HEAD are retried on connection errors and 5xx as the SDK
 * does (a streamed PUT cannot be replayed, by the SDK either).
 */
export class SignedRequests {
  readonly #opts: SignedRequestsOptions;
  readonly #signer: RequestSigner;
  /** The endpoint's parts (not a URL object: a live tenant's every byte counts). */
  readonly #endpoint: { protocol: string; hostname: string; port: string; pathname: string };

  constructor(opts: SignedRequestsOptions) {
    this.#opts = opts;
    this.#signer = new RequestSigner(opts.s3.region, opts.credentials);
    const { protocol, hostname, port, pathname } = new URL(opts.s3.endpoint ?? `https://s3.${opts.s3.region}.amazonaws.com`);
    this.#endpoint = { protocol, hostname, port, pathname };
  }

  async read(
    method: 'GET' | 'HEAD',
    bucket: string,
    key: string,
    opts: { range?: ByteRange; partNumber?: number; conditions?: Conditions; versionId?: string; signal?: AbortSignal },
  ): Promise<ReadResult> {
    const headers: Record<string, string> = { 'x-amz-content-sha256': EMPTY_SHA256 };
    if (opts.range) headers.range = formatRange(opts.range);
    const c = opts.conditions;
    if (c?.ifMatch) headers['if-match'] = c.ifMatch;
    if (c?.ifNoneMatch) headers['if-none-match'] = c.ifNoneMatch;
    if (c?.ifModifiedSince) headers['if-modified-since'] = c.ifModifiedSince.toUTCString();
    if (c?.ifUnmodifiedSince) headers['if-unmodified-since'] = c.ifUnmodifiedSince.toUTCString();
    const target = this.#target(bucket, key);
    const res = await this.#exchange(method === 'GET' ? 'GetObjectCommand' : 'HeadObjectCommand', method, { bucket, key }, opts.signal, [200, 206, 304, 416], () =>
      this.#signedSend(target, method, headers, opts.signal, undefined, { ...(opts.partNumber && { partNumber: String(opts.partNumber) }), ...(opts.versionId && { versionId: opts.versionId }) }),
    );
    const status = res.statusCode ?? 0;
    if (status === 200 || status === 206) {
      const info = infoOf(key, res.headers);
      const contentLength = Number(res.headers['content-length'] ?? 0);
      if (method === 'HEAD') res.resume();
      const parts = Number(res.headers['x-amz-mp-parts-count']);
      return { status, info, body: res, contentLength, contentRange: res.headers['content-range'], ...(parts > 0 && { partsCount: parts }) };
    }
    res.resume();
    if (status === 304) {
      // RGW 16 answers 304 without an ETag; an If-None-Match of one ETag that matched names it.
      const asked = /^\s*(W\/)?"?([^",*]+)"?\s*$/.exec(opts.conditions?.ifNoneMatch ?? '')?.[2];
      return { status: 304, info: { etag: unquote(res.headers.etag) || (asked ?? ''), lastModified: new Date(res.headers['last-modified'] ?? 0) } };
    }
    return { status: 416 };
  }

  /** A streamed PutObject of a body of known length (UNSIGNED-PAYLOAD: the body is not hashed first). Not retried: a stream cannot be replayed. */
  async put(
    bucket: string,
    key: string,
    body: Readable,
    opts: { contentLength: number; contentType?: string; metadata: Record<string, string>; headers?: ContentHeaders; precondition?: WritePrecondition; tags?: Tags; signal?: AbortSignal },
  ): Promise<{ etag: string; versionId?: string }> {
    const headers: Record<string, string> = { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'content-length': String(opts.contentLength) };
    if (opts.contentType) headers['content-type'] = opts.contentType;
    for (const [field, name] of Object.entries(CONTENT_HEADERS) as [keyof ContentHeaders, string][]) {
      const value = opts.headers?.[field];
      if (value !== undefined) headers[name] = value;
    }
    if (opts.tags && Object.keys(opts.tags).length > 0) headers['x-amz-tagging'] = tagHeader(opts.tags);
    if (opts.precondition?.ifMatch !== undefined) headers['if-match'] = opts.precondition.ifMatch;
    if (opts.precondition?.ifNoneMatch !== undefined) headers['if-none-match'] = opts.precondition.ifNoneMatch;
    for (const [name, value] of Object.entries(opts.metadata)) headers[`x-amz-meta-${name}`] = value;
    const target = this.#target(bucket, key);
    const res = await this.#exchange('PutObjectCommand', 'PUT', { bucket, key }, opts.signal, [200], () => this.#signedSend(target, 'PUT', headers, opts.signal, body), { replayable: false });
    res.resume();
    const versionId = res.headers['x-amz-version-id'];
    return { etag: unquote(res.headers.etag), ...(typeof versionId === 'string' && versionId !== 'null' && { versionId }) };
  }

  /** Any S3 request, re-signed with the tenant's credentials (UNSIGNED-PAYLOAD); an answer under 500 is returned as it is. */
  async forward(req: ForwardRequest, signal: AbortSignal | undefined): Promise<http.IncomingMessage> {
    const target = this.#target(req.bucket, req.key);
    // A bucket's subresource is /bucket?x, not /bucket/?x.
    if (req.key === '') target.path = target.path.replace(/\/$/, '') || '/';
    const headers = { ...req.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' };
    const ok = Array.from({ length: 400 }, (_, i) => 100 + i);
    return this.#exchange(
      `${req.operation}Command`,
      req.method,
      { bucket: req.bucket, key: req.key || undefined },
      signal,
      ok,
      () => this.#signedSend(target, req.method, headers, signal, req.body, req.query),
      {
        replayable: req.body === undefined,
      },
    );
  }

  /** DELETE /{bucket}?notification: RGW removes a bucket's notification configuration this way (no SDK command). */
  async deleteBucketNotification(bucket: string, signal?: AbortSignal): Promise<void> {
    const target = this.#target(bucket, '');
    const path = target.path.replace(/\/$/, '');
    const res = await this.#exchange('DeleteBucketNotificationCommand', 'DELETE', { bucket }, signal, [200, 204], async () => {
      const signed = await this.#signer.sign({ method: 'DELETE', path, query: { notification: '' }, headers: { 'x-amz-content-sha256': EMPTY_SHA256, host: target.host }, payloadHash: EMPTY_SHA256 });
      return this.#send({ ...target, path: `${path}?notification` }, 'DELETE', signed, signal, undefined);
    });
    res.resume();
  }

  /**
   * One S3 request as the SDK would make it: attempts retried by the client's own retry strategy (the
   * same backoff with jitter, attempts and retry quota), measured and reported once through `observed`
   * (metrics, the error counter and the circuit's reached/unreached), and an S3 error answer mapped
   * like the SDK's. Resolves to the response when its status is one of `ok`.
   */
  async #exchange(
    operation: string,
    method: string,
    target: { bucket?: string; key?: string },
    signal: AbortSignal | undefined,
    ok: number[],
    attempt: () => Promise<http.IncomingMessage>,
    opts: { replayable: boolean } = { replayable: true },
  ): Promise<http.IncomingMessage> {
    const run = async () => {
      const strategy = this.#opts.retryStrategy;
      let token = await strategy.acquireInitialRetryToken(operation);
      const span = trace.getActiveSpan();
      for (let attempts = 1; ; attempts++) {
        span?.setAttribute('s3gate.attempts', attempts);
        let res: http.IncomingMessage | undefined;
        let err: unknown;
        try {
          res = await attempt();
        } catch (e) {
          err = e;
        }
        const status = res?.statusCode ?? 0;
        if (res && ok.includes(status)) {
          strategy.recordSuccess(token);
          return res;
        }
        const errorType = opts.replayable && !signal?.aborted ? retryTypeOf({ err, status: res ? status : undefined }) : undefined;
        if (errorType) {
          res?.resume();
          try {
            // Waits the backoff itself; throws when no attempt (or quota) is left.
            token = await strategy.refreshRetryTokenForRetry(token, { errorType });
            if (!signal?.aborted) continue;
          } catch {
            // No retry left: the last failure stands.
          }
        }
        if (err !== undefined || !res) throw err;
        const answer = await errorAnswer(res, method);
        throw Object.assign(s3Failure(answer.code, status), answer.maxSizeAllowed && { MaxSizeAllowed: answer.maxSizeAllowed });
      }
    };
    try {
      return await observed(this.#opts.hooks, operation, run, (res) => res.statusCode, target);
    } catch (err) {
      throw mapS3Error(err, target);
    }
  }

  async #signedSend(
    target: Target,
    method: string,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
    body?: Readable,
    query: Record<string, string> = {},
  ): Promise<http.IncomingMessage> {
    const signed = await this.#signer.sign({ method, path: target.path, query, headers: { ...headers, host: target.host }, payloadHash: headers['x-amz-content-sha256'] });
    const qs = new URLSearchParams(query).toString();
    return this.#send(qs ? { ...target, path: `${target.path}?${qs}` } : target, method, signed, signal, body);
  }

  #target(bucket: string, key: string): Target {
    const e = this.#endpoint;
    const path = key.split('/').map(encodeSegment).join('/');
    // Dotted bucket names do not fit a TLS wildcard certificate: they go path-style, as in the SDK.
    const pathStyle = this.#opts.s3.forcePathStyle || bucket.includes('.');
    const hostname = pathStyle ? e.hostname : `${bucket}.${e.hostname}`;
    const port = e.port ? Number(e.port) : undefined;
    return {
      protocol: e.protocol,
      hostname,
      port,
      host: port ? `${hostname}:${port}` : hostname,
      path: (e.pathname.replace(/\/$/, '') || '') + (pathStyle ? `/${bucket}/${path}` : `/${path}`),
    };
  }

  #send(target: Target, method: string, headers: Record<string, string>, signal: AbortSignal | undefined, body: Readable | undefined): Promise<http.IncomingMessage> {
    const https_ = target.protocol === 'https:';
    return new Promise((resolve, reject) => {
      const req = (https_ ? https : http).request({
        method,
        hostname: target.hostname,
        port: target.port,
        path: target.path,
        headers,
        agent: https_ ? this.#opts.agents.https : this.#opts.agents.http,
      });
      // Not the `signal` option: Node keeps that listener after the response ends, and a late abort then
      // destroys a keep-alive socket already back in the agent's pool. Detached once the request closes.
      let response: http.IncomingMessage | undefined;
      const abort = () => {
        if (response?.complete) return;
        req.destroy(Object.assign(new Error('The operation was aborted'), { name: 'AbortError', cause: signal?.reason }));
      };
      const detach = () => signal?.removeEventListener('abort', abort);
      if (signal?.aborted) abort();
      signal?.addEventListener('abort', abort, { once: true });
      req.once('close', detach);
      req.setTimeout(this.#opts.requestTimeoutMs, () => req.destroy(Object.assign(new Error('S3 request timed out'), { name: 'TimeoutError' })));
      req.on('socket', (socket) => connectWithin(req, socket, this.#opts.connectTimeoutMs));
      // The body's consumer learns of a failure through 'close' (finished, pipeline); an abort after the
      // response was handled must not surface as an unhandled 'error'.
      req.once('response', (res) => {
        response = res;
        res.once('end', detach);
        resolve(res.on('error', () => {}));
      });
      req.on('error', reject);
      if (!body) return void req.end();
      // pipe() does not forward a body's failure: the request must fail with it.
      body.once('error', (err) => req.destroy(err));
      body.pipe(req);
    });
  }
}

/**
 * Fails a request whose new socket does not connect within `ms`. Nothing is left on the socket once it
 * connected or closed: a keep-alive socket outlives its first request, and a listener made inside that
 * request's scope kept the whole request (and the client's response piped from it) for as long as the
 * socket stayed pooled.
 */
function connectWithin(req: http.ClientRequest, socket: Socket, ms: number): void {
  if (!socket.connecting) return;
  const timer = setTimeout(() => req.destroy(Object.assign(new Error(`could not connect within ${ms} ms`), { name: 'TimeoutError' })), ms);
  const settled = () => {
    clearTimeout(timer);
    socket.off('connect', settled);
    socket.off('close', settled);
  };
  socket.once('connect', settled);
  socket.once('close', settled);
}

const unquote = (etag: string | string[] | undefined) => String(etag ?? '').replace(/^(W\/)?"|"$/g, '');

/** x-amz-* answer headers that are the backend's request, not the object's. */
const BACKEND_ONLY = new Set(['x-amz-request-id', 'x-amz-id-2', 'x-amz-mp-parts-count', 'x-amz-bucket-region']);

function infoOf(key: string, h: http.IncomingHttpHeaders): ObjectInfo {
  const metadata: Record<string, string> = {};
  let s3Headers: Record<string, string> | undefined;
  for (const [name, value] of Object.entries(h)) {
    if (name.startsWith('x-amz-meta-')) metadata[name.slice(11)] = String(value);
    else if (name.startsWith('x-amz-') && !BACKEND_ONLY.has(name) && typeof value === 'string') (s3Headers ??= {})[name] = value;
  }
  const range = /\/(\d+)$/.exec(h['content-range'] ?? '');
  let headers: ContentHeaders | undefined;
  for (const [field, name] of Object.entries(CONTENT_HEADERS) as [keyof ContentHeaders, string][]) {
    const value = h[name];
    if (typeof value === 'string' && value !== '') (headers ??= {})[field] = value;
  }
  return {
    key,
    size: range ? Number(range[1]) : Number(h['content-length'] ?? 0),
    etag: unquote(h.etag),
    lastModified: new Date(h['last-modified'] ?? 0),
    contentType: h['content-type'] ?? 'application/octet-stream',
    metadata,
    ...(headers && { headers }),
    ...(s3Headers && { s3Headers }),
  };
}

/** An S3 error answer, shaped like the SDK's errors so that one mapping and one report serve both. */
function s3Failure(code: string, status: number): Error {
  return Object.assign(new Error(`${code} (HTTP ${status})`), { name: code, $metadata: { httpStatusCode: status } });
}

/** The S3 error code of a failed response (HEAD has no body: named by status, as the SDK does), and the limit of an EntityTooLarge. */
async function errorAnswer(res: http.IncomingMessage, method: string): Promise<{ code: string; maxSizeAllowed?: string }> {
  if (method === 'HEAD') {
    res.resume();
    return { code: res.statusCode === 404 ? 'NotFound' : res.statusCode === 403 ? 'Forbidden' : `Http${res.statusCode}` };
  }
  let body = '';
  for await (const chunk of res) {
    if (body.length < 65536) body += chunk;
  }
  return { code: /<Code>([^<]+)<\/Code>/.exec(body)?.[1] ?? `Http${res.statusCode}`, maxSizeAllowed: /<MaxSizeAllowed>(\d+)<\/MaxSizeAllowed>/.exec(body)?.[1] };
}
