// @s3gate/client: the typed client of the s3gate API. The request and response types are generated from
// openapi.yaml (src/generated/openapi.ts, by openapi-typescript); openapi-fetch makes the calls. What a
// generator cannot give is written here: streamed uploads and downloads, pagination as async
// iterators, errors that carry the API's stable code, and webhook verification.
import createClient, { type Client } from 'openapi-fetch';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import type { components, operations, paths } from './generated/openapi.js';

export type { components, operations, paths };
export { formatBytes, formatDuration } from './format.js';
export type Schemas = components['schemas'];
/** Every error code the API documents. */
export type ErrorCode = Schemas['ErrorResponse']['code'];
export type ObjectEvent = Schemas['ObjectEvent'];
export type Webhook = Schemas['Webhook'];
export type Delivery = Schemas['Delivery'];
export type Tenant = Schemas['Tenant'];
export type StatsWindow = '10m' | '1h';
export type TenantStats = Json<'getStats'>;
export type WebhookStats = Json<'getWebhookStats'>;
export type AdminStats = Json<'getAdminStats'>;
type Json<O extends keyof operations, S extends number = 200> = operations[O]['responses'] extends Record<S, { content: { 'application/json': infer T } }> ? T : never;
export type ObjectSummary = Json<'listObjects'>['objects'][number];

/** An answer of the API that is not a success: its status, its stable `code`, and what to fix. */
export class S3gateError extends Error {
  override readonly name = 'S3gateError';
  constructor(
    readonly status: number,
    /** One of ErrorCode; S3GATE_HTTP_<status> when the answer was not the API's JSON (a proxy's page). */
    readonly code: ErrorCode | `S3GATE_HTTP_${number}`,
    message: string,
    /** The request's x-request-id, to find it in the gateway's logs. */
    readonly requestId: string | null,
    /** What the tenant's S3 endpoint answered, when it caused the failure. */
    readonly upstream?: unknown,
  ) {
    super(message);
  }
}

/** Reads an error answer (the API's `{ statusCode, code, message }`, or anything else) as an S3gateError. */
export async function errorOf(res: Response, body?: unknown): Promise<S3gateError> {
  let parsed = body;
  if (parsed === undefined) {
    const text = await res.text().catch(() => '');
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { message: text };
    }
  }
  const e = (parsed ?? {}) as { code?: string; message?: string; upstream?: unknown };
  const code = (typeof e.code === 'string' && e.code.startsWith('S3GATE_') ? e.code : `S3GATE_HTTP_${res.status}`) as S3gateError['code'];
  return new S3gateError(res.status, code, e.message || res.statusText || `HTTP ${res.status}`, res.headers.get('x-request-id'), e.upstream);
}

/** Unwraps a call of the generated client (`api`): its data, or the answer as an S3gateError. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw await errorOf(response, error);
  return data as T;
}

export interface ClientOptions {
  /** Where the gateway is: http://127.0.0.1:3000 */
  baseUrl: string;
  /** A tenant API key (s3g_…), for the tenant API. */
  apiKey?: string;
  /** The admin token, for /admin. */
  adminToken?: string;
  /** Another fetch (tests, proxies, retries). */
  fetch?: typeof fetch;
}

/** Object keys keep their slashes in URLs; every other path parameter is one segment. */
function pathSerializer(pathname: string, params: Record<string, unknown>): string {
  return pathname.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const value = String(params[name] ?? '');
    return name === 'key' ? value.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(value);
  });
}

/** The API path of an object: each segment of the key percent-encoded, its slashes kept. */
export const objectPath = (bucket: string, key: string) => `/v1/buckets/${encodeURIComponent(bucket)}/objects/${key.split('/').map(encodeURIComponent).join('/')}`;

export type UploadBody = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Blob | Uint8Array | string;

export interface UploadOptions {
  contentType?: string;
  /** User metadata, sent as x-meta-* headers. */
  metadata?: Record<string, string>;
  /**
   * The body's length when it is a stream: sent as Content-Length, so the gateway streams it as one
   * PutObject (without it, as a multipart upload in parts). Node's fetch honours it; browsers send a
   * Blob's own.
   */
  size?: number;
  /** Only create: fail with S3GATE_PRECONDITION_FAILED when the key exists. */
  ifNoneMatch?: '*';
  signal?: AbortSignal;
}

export interface Download {
  /** The bytes, as they arrive (not buffered). */
  body: ReadableStream<Uint8Array>;
  status: 200 | 206;
  size: number | null;
  contentType: string | null;
  etag: string | null;
  metadata: Record<string, string>;
}

function toStream(body: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = body[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { value, done } = await it.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel(reason) {
      await it.return?.(reason);
    },
  });
}

/** Pages of a cursor-paginated listing, item by item. */
async function* pages<T>(fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

/**
 * The client. `api` is the generated, fully typed client for every operation in openapi.yaml; the
 * groups beside it are the everyday calls, with errors thrown as S3gateError.
 */
export class S3gate {
  readonly api: Client<paths>;
  readonly #opts: ClientOptions;
  readonly #fetch: typeof fetch;

  constructor(opts: ClientOptions) {
    this.#opts = { ...opts, baseUrl: opts.baseUrl.replace(/\/+$/, '') };
    this.#fetch = opts.fetch ?? globalThis.fetch.bind(globalThis);
    const token = opts.apiKey ?? opts.adminToken;
    this.api = createClient<paths>({
      baseUrl: this.#opts.baseUrl,
      fetch: (request) => this.#fetch(request),
      pathSerializer,
      ...(token && { headers: { authorization: `Bearer ${token}` } }),
    });
    // Admin routes take the admin token even when an API key is set too.
    if (opts.apiKey && opts.adminToken) {
      const admin = opts.adminToken;
      this.api.use({ onRequest: ({ request }) => (new URL(request.url).pathname.startsWith('/admin/') ? (request.headers.set('authorization', `Bearer ${admin}`), request) : undefined) });
    }
  }

  #headers(token?: string): Record<string, string> {
    const t = token ?? this.#opts.apiKey;
    return t ? { authorization: `Bearer ${t}` } : {};
  }

  readonly buckets = {
    list: async () => (await unwrap(this.api.GET('/v1/buckets'))).buckets,
    /** Resolves to whether it was created (false: it was there already). */
    create: async (bucket: string) => (await unwrap(this.api.PUT('/v1/buckets/{bucket}', { params: { path: { bucket } } }))).created,
    delete: (bucket: string) => unwrap(this.api.DELETE('/v1/buckets/{bucket}', { params: { path: { bucket } } })).then(() => undefined),
  };

  readonly objects = {
    /** Every object under a prefix, page by page as needed. */
    list: (bucket: string, opts: { prefix?: string; pageSize?: number } = {}): AsyncGenerator<ObjectSummary> =>
      pages(async (cursor) => {
        const page = await unwrap(this.api.GET('/v1/buckets/{bucket}/objects', { params: { path: { bucket }, query: { prefix: opts.prefix, limit: opts.pageSize, cursor } } }));
        return { items: page.objects, nextCursor: page.nextCursor };
      }),
    /** One level of a folder view: the objects and the sub-prefixes at `delimiter`. */
    listPage: (bucket: string, query: NonNullable<operations['listObjects']['parameters']['query']> = {}) =>
      unwrap(this.api.GET('/v1/buckets/{bucket}/objects', { params: { path: { bucket }, query } })),
    head: async (bucket: string, key: string, opts: { signal?: AbortSignal } = {}) => {
      const res = await this.#fetch(this.#opts.baseUrl + objectPath(bucket, key), { method: 'HEAD', headers: this.#headers(), signal: opts.signal });
      if (!res.ok)
        throw new S3gateError(res.status, res.status === 404 ? 'S3GATE_OBJECT_NOT_FOUND' : `S3GATE_HTTP_${res.status}`, `HEAD ${bucket}/${key}: ${res.status}`, res.headers.get('x-request-id'));
      return infoOf(res);
    },
    /** Streams a body into bucket/key; nothing is buffered here. */
    upload: async (bucket: string, key: string, body: UploadBody, opts: UploadOptions = {}) => {
      const headers: Record<string, string> = { ...this.#headers(), 'content-type': opts.contentType ?? 'application/octet-stream' };
      for (const [name, value] of Object.entries(opts.metadata ?? {})) headers[`x-meta-${name}`] = value;
      if (opts.ifNoneMatch) headers['if-none-match'] = opts.ifNoneMatch;
      const streamed = typeof body === 'object' && !(body instanceof Uint8Array) && !(body instanceof Blob);
      if (streamed && opts.size !== undefined) headers['content-length'] = String(opts.size);
      const res = await this.#fetch(this.#opts.baseUrl + objectPath(bucket, key), {
        method: 'PUT',
        headers,
        body: streamed ? (body instanceof ReadableStream ? body : toStream(body as AsyncIterable<Uint8Array>)) : (body as Blob | Uint8Array | string),
        signal: opts.signal,
        ...(streamed && { duplex: 'half' }),
      } as RequestInit);
      if (!res.ok) throw await errorOf(res);
      return (await res.json()) as Json<'putObject', 201>;
    },
    /** The object's bytes as a stream, with what the gateway says of it; `range` as in HTTP (`bytes=0-99`). */
    download: async (bucket: string, key: string, opts: { range?: string; signal?: AbortSignal } = {}): Promise<Download> => {
      const res = await this.#fetch(this.#opts.baseUrl + objectPath(bucket, key), { headers: { ...this.#headers(), ...(opts.range && { range: opts.range }) }, signal: opts.signal });
      if (!res.ok || !res.body) throw await errorOf(res);
      return { body: res.body, status: res.status as 200 | 206, ...infoOf(res) };
    },
    delete: (bucket: string, key: string) => unwrap(this.api.DELETE('/v1/buckets/{bucket}/objects/{key}', { params: { path: { bucket, key } } })).then(() => undefined),
    deleteMany: (bucket: string, keys: string[]) => unwrap(this.api.POST('/v1/buckets/{bucket}/delete', { params: { path: { bucket } }, body: { keys } })),
    copy: (body: operations['copyObject']['requestBody']['content']['application/json']) => unwrap(this.api.POST('/v1/copy', { body })),
    presign: (body: operations['presign']['requestBody']['content']['application/json']) => unwrap(this.api.POST('/v1/presign', { body })),
  };

  readonly events = {
    /** The tenant's recorded events, oldest first. */
    list: (query: { bucket?: string; prefix?: string; since?: string; pageSize?: number } = {}): AsyncGenerator<ObjectEvent> =>
      pages(async (cursor) => {
        const page = await unwrap(this.api.GET('/v1/events', { params: { query: { bucket: query.bucket, prefix: query.prefix, since: query.since, limit: query.pageSize, cursor } } }));
        return { items: page.events, nextCursor: page.nextCursor };
      }),
  };

  readonly stats = {
    /** The tenant's recent figures: 60 points of 10 s (`10m`) or of a minute (`1h`). */
    get: (window: StatsWindow = '1h') => unwrap(this.api.GET('/v1/stats', { params: { query: { window } } })),
    /** One subscription's delivery outcomes and latency over the window. */
    webhook: (id: string, window: StatsWindow = '1h') => unwrap(this.api.GET('/v1/webhooks/{id}/stats', { params: { path: { id }, query: { window } } })),
    /** The whole gateway's figures and its tenants ranked (admin token). */
    admin: (query: { window?: StatsWindow; sort?: 'requests' | 'errors'; limit?: number } = {}) => unwrap(this.api.GET('/admin/stats', { params: { query } })),
  };

  readonly webhooks = {
    /** Every subscription of the tenant. */
    list: (opts: { pageSize?: number } = {}): AsyncGenerator<Webhook> =>
      pages(async (cursor) => {
        const page = await unwrap(this.api.GET('/v1/webhooks', { params: { query: { limit: opts.pageSize, cursor } } }));
        return { items: page.webhooks, nextCursor: page.nextCursor };
      }),
    create: (body: operations['createWebhook']['requestBody']['content']['application/json']) => unwrap(this.api.POST('/v1/webhooks', { body })),
    get: (id: string) => unwrap(this.api.GET('/v1/webhooks/{id}', { params: { path: { id } } })),
    update: (id: string, body: operations['updateWebhook']['requestBody']['content']['application/json']) => unwrap(this.api.PATCH('/v1/webhooks/{id}', { params: { path: { id } }, body })),
    delete: (id: string) => unwrap(this.api.DELETE('/v1/webhooks/{id}', { params: { path: { id } } })).then(() => undefined),
    rotateSecret: (id: string) => unwrap(this.api.POST('/v1/webhooks/{id}/rotate-secret', { params: { path: { id } } })),
    test: (id: string) => unwrap(this.api.POST('/v1/webhooks/{id}/test', { params: { path: { id } } })),
    /** Its deliveries, newest first; `status` filters. */
    deliveries: (id: string, opts: { status?: Delivery['status']; pageSize?: number } = {}): AsyncGenerator<Delivery> =>
      pages(async (cursor) => {
        const page = await unwrap(this.api.GET('/v1/webhooks/{id}/deliveries', { params: { path: { id }, query: { status: opts.status, limit: opts.pageSize, cursor } } }));
        return { items: page.deliveries, nextCursor: page.nextCursor };
      }),
    delivery: (id: string, deliveryId: string) => unwrap(this.api.GET('/v1/webhooks/{id}/deliveries/{deliveryId}', { params: { path: { id, deliveryId } } })),
    retry: (id: string, deliveryId: string) => unwrap(this.api.POST('/v1/webhooks/{id}/deliveries/{deliveryId}/retry', { params: { path: { id, deliveryId } } })),
    replay: (id: string, body: operations['replayWebhook']['requestBody']['content']['application/json']) => unwrap(this.api.POST('/v1/webhooks/{id}/replay', { params: { path: { id } }, body })),
  };
}

function infoOf(res: Response) {
  const metadata: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (name.startsWith('x-meta-')) metadata[name.slice(7)] = value;
  });
  const length = res.headers.get('content-length');
  return { size: length === null ? null : Number(length), contentType: res.headers.get('content-type'), etag: res.headers.get('etag')?.replace(/^"|"$/g, '') ?? null, metadata };
}

/**
 * Checks a webhook delivery's Standard Webhooks signature (webhook-id, webhook-timestamp within five
 * minutes, webhook-signature) with the subscription's secret (whsec_…) and returns its event. Pass the
 * body exactly as received (a string or its bytes), before any JSON parsing. Throws when it does not
 * verify: answer such a request 400 and do nothing with it.
 */
export function verifyWebhook(secret: string, body: string | Uint8Array, headers: Headers | Record<string, string | string[] | undefined>): ObjectEvent {
  const get = (name: string) => {
    const value = headers instanceof Headers ? headers.get(name) : headers[name];
    return Array.isArray(value) ? value[0] : (value ?? undefined);
  };
  const wh = new StandardWebhook(secret);
  const payload = typeof body === 'string' ? body : new TextDecoder().decode(body);
  return wh.verify(payload, { 'webhook-id': get('webhook-id') ?? '', 'webhook-timestamp': get('webhook-timestamp') ?? '', 'webhook-signature': get('webhook-signature') ?? '' }) as ObjectEvent;
}
