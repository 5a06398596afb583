import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { errors, withHeaders } from '../../../errors.js';
import type { ResolvedTenant, S3Settings } from '../../../model/tenant.js';
import type {
  BucketInfo,
  ByteRange,
  Conditions,
  DeleteManyResult,
  GetResult,
  HeadResult,
  ListOptions,
  ListResult,
  ObjectStore,
  OpContext,
  CopyOptions,
  ReadOptions,
  MultipartStore,
  PresignRequest,
  PresignResult,
  PutOptions,
  DriverHooks,
  DeletedVersion,
  DeleteVersionsResult,
  VersionListOptions,
  VersionPage,
  VersionRef,
  ForwardRequest,
  ForwardResult,
} from '../../../model/object-store.js';
import { SignedRequests } from '../../signed-requests.js';
import { TenantAgents } from '../../network.js';
import { type ClientOptions, TenantClients } from './clients.js';
import { httpStatusOf, mapS3Error } from '../../map-error.js';
import { formatRange } from '../../ranges.js';
import { checkWrite, conditional, forBackend } from '../../../model/preconditions.js';

import { currentEtag, MAX_PARTS, type UploadSettings, copySource, copySourceConditions, decodeCursor, encodeCursor, rangeOf, sdkHeaders, unquote, wholeAsPart } from './sdk.js';

import { bufferedMultipart, sdkMultipart, streamedMultipart } from './multipart.js';
import { topicNotifications } from './notifications.js';
import { deleteObjects, deleteVersions } from './deletes.js';
import { deleteTags, getTags, putTags } from './tags.js';
import { listVersions } from './versions.js';
import { tagHeader, type Tags } from '../../../model/tags.js';

export interface DriverOptions extends ClientOptions {
  upload: UploadSettings;
  hooks?: DriverHooks;
}

export class S3Driver implements ObjectStore {
  readonly #s3: S3Settings;
  readonly #agents: TenantAgents;
  readonly #sdk: TenantClients;
  readonly #upload: UploadSettings;
  readonly #fast: SignedRequests;
  #multipart: MultipartStore | undefined;

  constructor(tenant: ResolvedTenant, opts: DriverOptions) {
    const s3 = tenant.s3;
    if (!s3) throw new Error(`tenant ${tenant.id} has no s3 settings`);
    this.#s3 = s3;
    this.#agents = new TenantAgents(s3, tenant.pool);
    this.#upload = opts.upload;
    const hooks = opts.hooks ?? {};
    this.#sdk = new TenantClients(tenant, s3, this.#agents, hooks, opts);
    this.#fast = new SignedRequests({
      s3,
      credentials: this.#sdk.credentials,
      agents: this.#agents,
      connectTimeoutMs: tenant.pool.connectTimeoutMs,
      requestTimeoutMs: tenant.pool.requestTimeoutMs,
      hooks,
      // The client's own strategy: the same backoff, jitter, attempts and retry quota as SDK calls.
      retryStrategy: this.#sdk.retryStrategy,
    });
  }

  /** The tenant's S3Client (made on first use). */
  get client(): S3Client {
    return this.#sdk.s3;
  }

  /** One cheap request that needs working credentials: ListBuckets. */
  async check(ctx: OpContext): Promise<void> {
    try {
      await this.client.send(new ListBucketsCommand({}), { abortSignal: ctx.signal });
    } catch (err) {
      throw mapS3Error(err, {});
    }
  }

  stats() {
    return this.#agents.stats();
  }

  async close(): Promise<void> {
    this.#sdk.destroy();
    this.#agents.destroy();
  }

  async listBuckets(ctx: OpContext): Promise<BucketInfo[]> {
    try {
      const out = await this.client.send(new ListBucketsCommand({}), { abortSignal: ctx.signal });
      return (out.Buckets ?? []).map((b) => ({ name: b.Name ?? '', createdAt: b.CreationDate ?? null }));
    } catch (err) {
      throw mapS3Error(err);
    }
  }

  async bucketExists(ctx: OpContext, bucket: string): Promise<boolean> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: ctx.signal });
      return true;
    } catch (err) {
      const status = httpStatusOf(err);
      // 403: the bucket belongs to another account, which must look the same as absent.
      if (status === 404 || status === 403) return false;
      throw mapS3Error(err, { bucket });
    }
  }

  async createBucket(ctx: OpContext, bucket: string): Promise<'created' | 'exists'> {
    // RGW answers 200 to a second CreateBucket by the owner, so ask first to tell 201 from 200.
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: ctx.signal });
      return 'exists';
    } catch (err) {
      const status = httpStatusOf(err);
      if (status === 403) throw new errors.BucketAlreadyExists(bucket, { cause: err });
      if (status !== 404) throw mapS3Error(err, { bucket });
    }
    try {
      const locate = !this.#s3.endpoint && this.#s3.region !== 'us-east-1';
      await this.client.send(new CreateBucketCommand({ Bucket: bucket, ...(locate && { CreateBucketConfiguration: { LocationConstraint: this.#s3.region as never } }) }), { abortSignal: ctx.signal });
      return 'created';
    } catch (err) {
      if ((err as Error).name === 'BucketAlreadyOwnedByYou') return 'exists';
      throw mapS3Error(err, { bucket });
    }
  }

  async deleteBucket(ctx: OpContext, bucket: string, opts: { abortUploads?: boolean } = {}): Promise<void> {
    try {
      if (opts.abortUploads) await this.#abortUploads(ctx, bucket);
      await this.client.send(new DeleteBucketCommand({ Bucket: bucket }), { abortSignal: ctx.signal });
    } catch (err) {
      throw mapS3Error(err, { bucket });
    }
  }

  async #abortUploads(ctx: OpContext, bucket: string) {
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    do {
      const out = await this.client.send(new ListMultipartUploadsCommand({ Bucket: bucket, KeyMarker, UploadIdMarker }), { abortSignal: ctx.signal });
      for (const u of out.Uploads ?? []) {
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }), { abortSignal: ctx.signal });
      }
      KeyMarker = out.IsTruncated ? out.NextKeyMarker : undefined;
      UploadIdMarker = out.IsTruncated ? out.NextUploadIdMarker : undefined;
    } while (KeyMarker);
  }

  async listObjects(ctx: OpContext, bucket: string, opts: ListOptions): Promise<ListResult> {
    const token = opts.cursor ? decodeCursor(opts.cursor) : undefined;
    try {
      const out = await this.client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: opts.prefix || undefined,
          Delimiter: opts.delimiter || undefined,
          MaxKeys: opts.limit,
          ContinuationToken: token,
          StartAfter: token ? undefined : opts.startAfter || undefined,
        }),
        { abortSignal: ctx.signal },
      );
      return {
        objects: (out.Contents ?? []).map((o) => ({ key: o.Key ?? '', size: o.Size ?? 0, etag: unquote(o.ETag), lastModified: o.LastModified ?? new Date(0) })),
        prefixes: (out.CommonPrefixes ?? []).map((p) => p.Prefix ?? ''),
        nextCursor: out.IsTruncated && out.NextContinuationToken ? encodeCursor(out.NextContinuationToken) : null,
      };
    } catch (err) {
      if (token && httpStatusOf(err) === 400) throw new errors.InvalidCursor({ cause: err });
      throw mapS3Error(err, { bucket });
    }
  }

  async putObject(ctx: OpContext, bucket: string, key: string, body: Readable, opts: PutOptions): Promise<{ etag: string; multipart?: boolean; versionId?: string }> {
    const params = {
      Bucket: bucket,
      Key: key,
      Body: body,
      ContentType: opts.contentType,
      Metadata: opts.metadata,
      ...sdkHeaders(opts.headers),
      ...(opts.tags && Object.keys(opts.tags).length > 0 && { Tagging: tagHeader(opts.tags) }),
    };
    try {
      const length = opts.contentLength;
      if (length !== undefined && length <= this.#upload.multipartThreshold) {
        return await this.#fast.put(bucket, key, body, {
          contentLength: length,
          contentType: opts.contentType,
          metadata: opts.metadata,
          headers: opts.headers,
          precondition: forBackend(opts.precondition),
          tags: opts.tags,
          signal: ctx.signal,
        });
      }
      // Multipart completion is not conditional on every S3 server (RGW 16 ignores it), so the
      // precondition is checked first: a race with another writer in the upload's lifetime is possible.
      if (conditional(opts.precondition)) checkWrite(opts.precondition, bucket, key, await currentEtag(this.client, ctx, bucket, key));
      const etag =
        length !== undefined
          ? await streamedMultipart(this.client, ctx, Math.max(this.#upload.streamPartSize, Math.ceil(length / MAX_PARTS)), params, length)
          : await bufferedMultipart(this.client, ctx, this.#upload, params);
      if (etag) return { etag, multipart: true };
      // RGW 16 answers CompleteMultipartUpload with an ETag the SDK reads as empty: ask for it.
      const head = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: ctx.signal });
      return { etag: unquote(head.ETag), multipart: true };
    } catch (err) {
      // A backend refuses If-Match on an absent key with 412 (RGW 16) where S3 answers NoSuchKey.
      if (opts.precondition?.ifMatch !== undefined && (err as { code?: string }).code === 'S3GATE_PRECONDITION_FAILED') {
        if ((await currentEtag(this.client, ctx, bucket, key).catch(() => '')) === undefined) throw new errors.ObjectNotFound(key, bucket, { cause: err });
      }
      throw mapS3Error(err, { bucket, key });
    }
  }

  get multipart(): MultipartStore {
    this.#multipart ??= sdkMultipart(() => this.client);
    return this.#multipart;
  }

  async forward(ctx: OpContext, req: ForwardRequest): Promise<ForwardResult> {
    const res = await this.#fast.forward(req, ctx.signal);
    return { status: res.statusCode ?? 500, headers: res.headers, body: res };
  }

  async getObject(ctx: OpContext, bucket: string, key: string, opts: ReadOptions): Promise<GetResult> {
    // S3 (RGW at least) answers a zero-length suffix with the whole object; RFC 9110 §14.1.3 says 416.
    if (opts.range && 'suffix' in opts.range && opts.range.suffix === 0) throw await this.#unsatisfiable(ctx, bucket, key, opts.range);
    const res = await this.#fast.read('GET', bucket, key, { ...opts, signal: ctx.signal });
    if (res.status === 416) throw opts.partNumber ? await this.#noSuchPart(ctx, bucket, key, opts.partNumber) : await this.#unsatisfiable(ctx, bucket, key, opts.range ?? { start: 0 });
    if (res.status === 304) return res;
    const range = rangeOf(res.contentRange) ?? (opts.partNumber ? wholeAsPart(res.info, opts.partNumber, () => res.body.destroy()) : undefined);
    const parts = res.partsCount !== undefined ? { partsCount: res.partsCount } : {};
    if (range) return { status: 206, info: res.info, body: res.body, contentLength: res.contentLength, range, ...parts };
    return { status: 200, info: res.info, body: res.body, contentLength: res.contentLength, ...parts };
  }

  async #noSuchPart(ctx: OpContext, bucket: string, key: string, partNumber: number): Promise<Error> {
    const head = await this.headObject(ctx, bucket, key).catch((err: unknown) => err as Error);
    if (head instanceof Error) return head;
    return new errors.InvalidPartNumber(partNumber, key, Number(/-(\d+)$/.exec(head.info.etag)?.[1] ?? 1));
  }

  async #unsatisfiable(ctx: OpContext, bucket: string, key: string, range: ByteRange): Promise<Error> {
    const head = await this.headObject(ctx, bucket, key).catch((err: unknown) => err as Error);
    if (head instanceof Error) return head;
    const size = head.status === 200 ? head.info.size : 0;
    return withHeaders(new errors.RangeNotSatisfiable(formatRange(range), size), { 'content-range': `bytes */${size}` });
  }

  async headObject(ctx: OpContext, bucket: string, key: string, conditions?: Conditions, partNumber?: number): Promise<HeadResult> {
    const res = await this.#fast.read('HEAD', bucket, key, { conditions, partNumber, signal: ctx.signal });
    if (res.status === 416) {
      if (partNumber) throw await this.#noSuchPart(ctx, bucket, key, partNumber);
      throw new errors.UpstreamError('HeadObject answered 416');
    }
    if (res.status === 304) return res;
    const range = rangeOf(res.contentRange) ?? (partNumber ? wholeAsPart(res.info, partNumber, () => {}) : undefined);
    const parts = res.partsCount !== undefined ? { partsCount: res.partsCount } : {};
    return range ? { status: 206, info: res.info, range, ...parts } : { status: 200, info: res.info, ...parts };
  }

  async deleteObject(ctx: OpContext, bucket: string, key: string): Promise<DeletedVersion> {
    try {
      const out = await this.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: ctx.signal });
      return { deleteMarker: out.DeleteMarker === true, ...(out.VersionId && { versionId: out.VersionId }) };
    } catch (err) {
      throw mapS3Error(err, { bucket, key });
    }
  }

  // Batch deletes and tags live in deletes.ts and tags.ts.
  deleteVersions(ctx: OpContext, bucket: string, objects: VersionRef[], oneByOne?: boolean): Promise<DeleteVersionsResult> {
    return deleteVersions(this.client, ctx, bucket, objects, oneByOne);
  }

  deleteObjects(ctx: OpContext, bucket: string, keys: string[]): Promise<DeleteManyResult> {
    return deleteObjects(this.client, ctx, bucket, keys);
  }

  listVersions(ctx: OpContext, bucket: string, opts: VersionListOptions): Promise<VersionPage> {
    return listVersions(this.client, ctx, bucket, opts);
  }

  getTags(ctx: OpContext, bucket: string, key: string): Promise<Tags> {
    return getTags(this.client, ctx, bucket, key);
  }

  putTags(ctx: OpContext, bucket: string, key: string, tags: Tags): Promise<void> {
    return putTags(this.client, ctx, bucket, key, tags);
  }

  deleteTags(ctx: OpContext, bucket: string, key: string): Promise<void> {
    return deleteTags(this.client, ctx, bucket, key);
  }

  async copyObject(ctx: OpContext, src: { bucket: string; key: string }, dst: { bucket: string; key: string }, opts: CopyOptions = {}): Promise<{ etag: string; lastModified?: Date }> {
    try {
      const out = await this.client.send(
        new CopyObjectCommand({
          Bucket: dst.bucket,
          Key: dst.key,
          CopySource: copySource(src.bucket, src.key),
          MetadataDirective: opts.replace ? 'REPLACE' : 'COPY',
          ...(opts.replace && { ContentType: opts.replace.contentType, Metadata: opts.replace.metadata, ...sdkHeaders(opts.replace.headers) }),
          ...copySourceConditions(opts.conditions),
        }),
        { abortSignal: ctx.signal },
      );
      return { etag: unquote(out.CopyObjectResult?.ETag), lastModified: out.CopyObjectResult?.LastModified };
    } catch (err) {
      // A missing source is reported as NoSuchKey of the source; a missing destination bucket as NoSuchBucket.
      if ((err as Error).name === 'NoSuchKey') throw new errors.ObjectNotFound(src.key, src.bucket, { cause: err });
      throw mapS3Error(err, { bucket: (err as Error).name === 'NoSuchBucket' && src.bucket !== dst.bucket ? `${src.bucket}' or '${dst.bucket}` : dst.bucket });
    }
  }

  /** RGW's topics (SNS-compatible API at the tenant's endpoint); AWS is wired by hand (README). */
  get notifications(): ObjectStore['notifications'] {
    if (!this.#s3.endpoint) return undefined;
    return topicNotifications(
      () => this.client,
      () => this.#sdk.sns,
      (bucket, signal) => this.#fast.deleteBucketNotification(bucket, signal),
    );
  }

  async presign(_ctx: OpContext, req: PresignRequest): Promise<PresignResult> {
    const command =
      req.method === 'GET'
        ? new GetObjectCommand({ Bucket: req.bucket, Key: req.key })
        : new PutObjectCommand({ Bucket: req.bucket, Key: req.key, ...(req.contentType && { ContentType: req.contentType }) });
    const url = await getSignedUrl(this.client, command, {
      expiresIn: req.expiresIn,
      ...(req.contentType && req.method === 'PUT' && { signableHeaders: new Set(['content-type']) }),
    });
    return { url, headers: req.method === 'PUT' && req.contentType ? { 'content-type': req.contentType } : {} };
  }
}
