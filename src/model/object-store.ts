import type { Readable } from 'node:stream';
import type { WritePrecondition } from './preconditions.js';
import type { Tags } from './tags.js';

/** What every operation gets: a signal that aborts the backend request when the client goes away. */
export interface OpContext {
  signal?: AbortSignal;
  /** scheme://host[:port] at which the client reached the gateway (for URLs that point back at it). */
  origin?: string;
}

export interface BucketInfo {
  name: string;
  createdAt: Date | null;
}

export interface ObjectSummary {
  key: string;
  size: number;
  /** Without quotes. */
  etag: string;
  lastModified: Date;
}

/** The standard headers S3 keeps with an object besides Content-Type, and serves back on reads. */
export interface ContentHeaders {
  cacheControl?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  expires?: string;
}

/** Their HTTP names. */
export const CONTENT_HEADERS: Record<keyof ContentHeaders, string> = {
  cacheControl: 'cache-control',
  contentDisposition: 'content-disposition',
  contentEncoding: 'content-encoding',
  contentLanguage: 'content-language',
  expires: 'expires',
};

/** The SDK's names of the same. */
export const SDK_CONTENT_HEADERS = {
  cacheControl: 'CacheControl',
  contentDisposition: 'ContentDisposition',
  contentEncoding: 'ContentEncoding',
  contentLanguage: 'ContentLanguage',
  expires: 'Expires',
} as const;

export interface ObjectInfo extends ObjectSummary {
  contentType: string;
  metadata: Record<string, string>;
  /** Those set when the object was written (none: an empty object). */
  headers?: ContentHeaders;
  /** What an S3 backend says of the object in x-amz-* headers (version id, tag count, encryption, storage class, lock): S3 faces pass them on. */
  s3Headers?: Record<string, string>;
}

export interface ListOptions {
  prefix?: string;
  delimiter?: string;
  limit: number;
  /** Opaque, as returned in nextCursor. */
  cursor?: string;
  /** List keys after this one (ignored with a cursor). */
  startAfter?: string;
}

export interface ListResult {
  objects: ObjectSummary[];
  prefixes: string[];
  nextCursor: string | null;
}

export interface PutOptions {
  contentType?: string;
  metadata: Record<string, string>;
  headers?: ContentHeaders;
  /** Known length of body, when the client sent Content-Length. */
  contentLength?: number;
  /** If-Match / If-None-Match, applied when the object is committed. */
  precondition?: WritePrecondition;
  /** The object's tags (x-amz-tagging). */
  tags?: Tags;
}

export interface Conditions {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: Date;
  ifUnmodifiedSince?: Date;
}

/** A single byte range: start..end inclusive, or the last `suffix` bytes. */
export type ByteRange = { start: number; end?: number } | { suffix: number };

/** What a read of one part of a multipart object (S3's `partNumber`) adds: how many parts it has. */
interface PartOf {
  partsCount?: number;
}

export type GetResult =
  | ({ status: 200 | 206; info: ObjectInfo; body: Readable; contentLength: number; range?: { start: number; end: number; total: number } } & PartOf)
  | { status: 304; info: Pick<ObjectInfo, 'etag' | 'lastModified'> };

export type HeadResult = ({ status: 200 | 206; info: ObjectInfo; range?: { start: number; end: number; total: number } } & PartOf) | { status: 304; info: Pick<ObjectInfo, 'etag' | 'lastModified'> };

/** A read's options: a byte range or (S3's) one part of a multipart upload's object, and conditions. */
export interface ReadOptions {
  range?: ByteRange;
  /** 1-based; an object that was not uploaded in parts has one part. */
  partNumber?: number;
  conditions?: Conditions;
  /** One version of the object (S3 backends; on the disk driver only `null`, its one version). */
  versionId?: string;
}

/** One version of an object, or a delete marker, in a versioned bucket (S3 backends). */
export interface ObjectVersion {
  key: string;
  versionId: string;
  isLatest: boolean;
  deleteMarker: boolean;
  size: number;
  etag: string;
  lastModified: Date;
}

export interface VersionPage {
  versions: ObjectVersion[];
  truncated: boolean;
  nextKeyMarker?: string;
  nextVersionIdMarker?: string;
}

export interface VersionListOptions {
  prefix?: string;
  keyMarker?: string;
  versionIdMarker?: string;
  limit: number;
}

/** A copy's options: new content type and metadata instead of the source's, and conditions on the source (412 when unmet). */
export interface CopyOptions {
  replace?: { contentType: string; metadata: Record<string, string>; headers?: ContentHeaders };
  conditions?: Conditions;
}

export interface DeleteManyResult {
  deleted: string[];
  errors: { key: string; code: string; message: string }[];
}

export interface PresignRequest {
  bucket: string;
  key: string;
  method: 'GET' | 'PUT';
  expiresIn: number;
  contentType?: string;
}

export interface PresignResult {
  url: string;
  headers: Record<string, string>;
}

/** One multipart upload. */
export interface UploadRef {
  bucket: string;
  key: string;
  uploadId: string;
}

export interface PartInfo {
  partNumber: number;
  /** Without quotes. */
  etag: string;
  size: number;
  lastModified: Date;
}

export interface UploadInfo {
  key: string;
  uploadId: string;
  initiated: Date;
}

export interface UploadListOptions {
  prefix?: string;
  delimiter?: string;
  keyMarker?: string;
  uploadIdMarker?: string;
  limit: number;
}

/**
 * S3's multipart uploads, as the S3 protocol door offers them to clients: every driver has them, with
 * S3's rules (parts 1-10000, all but the last at least 5 MiB, completed in ascending order with their
 * ETags). Errors: NoSuchUpload, InvalidPart, InvalidPartOrder, PartTooSmall of src/errors.ts.
 */
export interface MultipartStore {
  create(ctx: OpContext, bucket: string, key: string, opts: { contentType?: string; metadata: Record<string, string>; headers?: ContentHeaders }): Promise<{ uploadId: string }>;
  uploadPart(ctx: OpContext, ref: UploadRef, partNumber: number, body: Readable, contentLength: number): Promise<{ etag: string }>;
  copyPart(
    ctx: OpContext,
    ref: UploadRef,
    partNumber: number,
    source: { bucket: string; key: string },
    opts: { range?: { start: number; end: number }; conditions?: Conditions },
  ): Promise<{ etag: string; lastModified: Date }>;
  /** With a precondition, the object is committed only if it holds then (PreconditionFailed, or NoSuchKey for If-Match on an absent key). */
  complete(ctx: OpContext, ref: UploadRef, parts: { partNumber: number; etag: string }[], precondition?: WritePrecondition): Promise<{ etag: string; versionId?: string }>;
  /** NoSuchUpload when it is not there (any more). */
  abort(ctx: OpContext, ref: UploadRef): Promise<void>;
  listParts(ctx: OpContext, ref: UploadRef, opts: { marker: number; limit: number }): Promise<{ parts: PartInfo[]; truncated: boolean }>;
  listUploads(ctx: OpContext, bucket: string, opts: UploadListOptions): Promise<{ uploads: UploadInfo[]; prefixes: string[]; truncated: boolean; nextKeyMarker?: string; nextUploadIdMarker?: string }>;
}

/**
 * One tenant's object storage. Drivers (S3, local disk) implement S3's semantics and throw the
 * errors of src/errors.ts, never backend-specific ones.
 */
/** What a delete did in a versioned bucket (S3 backends): a delete marker, and its version id. */
export interface DeletedVersion {
  deleteMarker: boolean;
  versionId?: string;
}

/** Versions to delete in one request (S3's DeleteObjects with VersionId), and what happened to each. */
export interface VersionRef {
  key: string;
  versionId?: string;
}

export interface DeleteVersionsResult {
  deleted: (VersionRef & { deleteMarker?: boolean; deleteMarkerVersionId?: string })[];
  errors: (VersionRef & { code: string; message: string })[];
}

/** An S3 request to carry to the backend as it is: its address, query and end-to-end headers (no signature). */
export interface ForwardRequest {
  /** S3's name of the operation, for metrics. */
  operation: string;
  method: string;
  bucket: string;
  /** '' for a bucket's subresource. */
  key: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: Readable;
}

export interface ForwardResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

export interface ObjectStore {
  listBuckets(ctx: OpContext): Promise<BucketInfo[]>;
  /** 'exists' when this tenant already owns it. */
  createBucket(ctx: OpContext, bucket: string): Promise<'created' | 'exists'>;
  bucketExists(ctx: OpContext, bucket: string): Promise<boolean>;
  /** Throws BucketNotEmpty; abortUploads also discards unfinished multipart uploads first. */
  deleteBucket(ctx: OpContext, bucket: string, opts?: { abortUploads?: boolean }): Promise<void>;
  listObjects(ctx: OpContext, bucket: string, opts: ListOptions): Promise<ListResult>;
  /** Streams body to the backend; nothing is visible under key unless the whole body arrived. */
  /** versionId: the version a versioned bucket made (S3 backends). */
  putObject(ctx: OpContext, bucket: string, key: string, body: Readable, opts: PutOptions): Promise<{ etag: string; multipart?: boolean; versionId?: string }>;
  getObject(ctx: OpContext, bucket: string, key: string, opts: ReadOptions): Promise<GetResult>;
  headObject(ctx: OpContext, bucket: string, key: string, conditions?: Conditions, partNumber?: number): Promise<HeadResult>;
  /** Succeeds when the key is absent. */
  deleteObject(ctx: OpContext, bucket: string, key: string): Promise<DeletedVersion | undefined>;
  deleteObjects(ctx: OpContext, bucket: string, keys: string[]): Promise<DeleteManyResult>;
  copyObject(ctx: OpContext, src: { bucket: string; key: string }, dst: { bucket: string; key: string }, opts?: CopyOptions): Promise<{ etag: string; lastModified?: Date }>;
  presign(ctx: OpContext, req: PresignRequest): Promise<PresignResult>;
  /**
   * Native event notifications of a bucket (RGW's SNS-compatible topics): absent on drivers without
   * them. enable() points the bucket at url through its topic (`current`, or a new one) and returns
   * it; disable() removes both.
   */
  notifications?: {
    enable(ctx: OpContext, bucket: string, url: string, persistent: boolean, current?: string): Promise<{ topicArn: string }>;
    disable(ctx: OpContext, bucket: string, topicArn: string): Promise<void>;
  };
  /** An object's tags ({} when it has none); ObjectNotFound when it is absent. */
  getTags(ctx: OpContext, bucket: string, key: string): Promise<Tags>;
  /** Replaces an object's tags. */
  putTags(ctx: OpContext, bucket: string, key: string, tags: Tags): Promise<void>;
  deleteTags(ctx: OpContext, bucket: string, key: string): Promise<void>;
  /** Multipart uploads driven by the client (the S3 door). */
  readonly multipart: MultipartStore;
  /**
   * An S3 request the gateway does not model (tagging, versions, ACLs, policies, CORS, lifecycle, object
   * lock, encryption...), sent as it is with the tenant's own credentials: S3 backends only. Any answer
   * under 500 is the backend's to give; 5xx fails as any backend error.
   */
  forward?(ctx: OpContext, req: ForwardRequest): Promise<ForwardResult>;
  /** A page of a bucket's versions and delete markers, oldest last for each key (S3 backends). */
  listVersions?(ctx: OpContext, bucket: string, opts: VersionListOptions): Promise<VersionPage>;
  /** DeleteObjects naming versions (S3 backends with versioned buckets). */
  deleteVersions?(ctx: OpContext, bucket: string, objects: VersionRef[], oneByOne?: boolean): Promise<DeleteVersionsResult>;
  /** One cheap request that needs the endpoint and working credentials (ListBuckets). */
  check(ctx: OpContext): Promise<void>;
  /** Live connection figures for the admin API and metrics. */
  stats(): { inUse: number; free: number; queued: number };
  /** Frees every connection; in-flight requests have finished when this is called. */
  close(): Promise<void>;
}

/** Called once per S3 request (after retries) with its command name, HTTP status and duration. */
export type S3Observer = (operation: string, status: string, seconds: number) => void;

/** What a tenant's S3 requests report, for metrics and its circuit breaker. */
export interface DriverHooks {
  /** The tenant, named on the spans of its S3 requests. */
  tenantId?: string;
  observe?: S3Observer;
  /** A failed S3 request, by its S3 error code (NoSuchKey, SlowDown) or network error code (ECONNREFUSED). */
  error?: (operation: string, code: string) => void;
  /** false when the endpoint could not be reached at all (no HTTP answer), true when it answered. */
  reached?: (ok: boolean) => void;
  /**
   * The multipart uploads this driver starts, whoever starts them (the streamed path or lib-storage):
   * recorded when created (before any part is sent), dropped when completed or aborted, and marked when
   * an abort fails, so none is left billing in S3 unseen.
   */
  multipart?: {
    started(bucket: string, key: string, uploadId: string): Promise<void>;
    ended(uploadId: string): Promise<void>;
    abortFailed(uploadId: string, error: string): Promise<void>;
  };
}

/** An object by its bucket and key. */
export interface ObjectRef {
  bucket: string;
  key: string;
}
