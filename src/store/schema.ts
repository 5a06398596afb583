import type { Driver } from '../model/tenant.js';
import type { DeliveryStatus } from '../model/webhook.js';

/** Row types of the state store (SQLite and PostgreSQL share them: text timestamps in ISO 8601, JSON as text). */
export interface TenantRow {
  id: string;
  driver: Driver;
  /** JSON: TenantSettings without secrets. */
  settings: string;
  /** Encrypted JSON of the tenant's secrets (secretbox), or null. */
  secrets: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface ApiKeyRow {
  id: string;
  tenant_id: string;
  /** sha256 hex of the whole key: keys are 256-bit random, so a fast hash is enough. */
  hash: string;
  created_at: string;
  revoked_at: string | null;
}

export interface Database {
  tenants: TenantRow;
  api_keys: ApiKeyRow;
  events: EventRow;
  webhooks: WebhookRow;
  deliveries: DeliveryRow;
  delivery_attempts: DeliveryAttemptRow;
  ingest_tokens: IngestTokenRow;
  bucket_notifications: BucketNotificationRow;
  multipart_uploads: MultipartUploadRow;
  s3_keys: S3KeyRow;
  tus_uploads: TusUploadRow;
  tus_parts: TusPartRow;
  tus_creations: TusCreationRow;
  state_meta: StateMetaRow;
  bucket_cors: BucketCorsRow;
}

export interface BucketCorsRow {
  tenant_id: string;
  bucket: string;
  /** JSON array of CorsRule. */
  rules: string;
  updated_at: string;
}

export interface StateMetaRow {
  /** master_key_canary: a known text sealed with the master key, so a process with another key refuses to start. */
  key: string;
  value: string;
}

/** A resumable (tus) upload: an S3 multipart upload, its progress, and who is writing to it now. */
export interface TusUploadRow {
  /** The tus upload id: 32 random hex characters, the last segment of the upload URL. */
  id: string;
  tenant_id: string;
  bucket: string;
  key: string;
  /** The backend's multipart upload id. */
  upload_id: string;
  /** Upload-Length. */
  size: number;
  /** Upload-Offset: bytes in stored parts plus the tail. */
  received: number;
  /** Every part but the last is at least this (5 MiB, more above 48.8 GiB so 10,000 parts hold the upload). */
  part_size: number;
  /** Bytes received past the last stored part: fewer than part_size, kept until a part fills. */
  tail: Buffer | null;
  content_type: string | null;
  /** JSON: the object's user metadata. */
  metadata: string;
  /** JSON: Upload-Metadata as the client sent it (served back on HEAD). */
  tus_metadata: string;
  /** 1: If-None-Match: * (store only when the key is absent). */
  create_only: number;
  /** 1: created through a presigned URL, so its upload URL carries a signature. */
  presigned: number;
  /** open: receiving; completing: every byte is stored, the object not yet (re)assembled; done. */
  state: 'open' | 'completing' | 'done';
  /** The object's ETag once done. */
  etag: string | null;
  created_at: string;
  /** Past this an unfinished upload is aborted and removed; a finished one is forgotten. */
  expires_at: string;
  /** The request writing to it (process and request), until lock_until unless renewed. */
  lock_owner: string | null;
  lock_until: string | null;
}

/** A presigned tus creation URL that created its upload (its nonce), kept until the URL expires. */
export interface TusCreationRow {
  tenant_id: string;
  nonce: string;
  /** The tus upload it created. */
  upload: string;
  expires_at: string;
}

export interface TusPartRow {
  upload: string;
  part_number: number;
  etag: string;
  size: number;
}

export interface S3KeyRow {
  /** S3G + 17 upper-case letters and digits: 20 characters, like AWS's access key ids. */
  access_key_id: string;
  tenant_id: string;
  /** The secret access key, sealed with the master key (SigV4 verification needs it whole). */
  secret_sealed: string;
  created_at: string;
  revoked_at: string | null;
}

export interface MultipartUploadRow {
  tenant_id: string;
  upload_id: string;
  bucket: string;
  key: string;
  created_at: string;
  /** open: in progress (or its process died); abort_failed: an abort was refused or unreachable, retried. */
  state: 'open' | 'abort_failed';
  attempts: number;
  /** When the janitor looks at it next: created_at + the maximum age, or a retry's time. */
  next_attempt_at: string | null;
  last_error: string | null;
}

export interface BucketNotificationRow {
  tenant_id: string;
  bucket: string;
  topic_arn: string;
  created_at: string;
}

export interface EventRow {
  /** evt_ + ULID: unique and ordered by time, so it is also the listing cursor. */
  id: string;
  tenant_id: string;
  type: string;
  bucket: string;
  key: string;
  size: number | null;
  etag: string | null;
  version_id: string | null;
  sequencer: string | null;
  source: 'gateway' | 'native';
  created_at: string;
  /** bucket, key, family (created/removed) and ETag: what a gateway write and its native event share. */
  dedup_key: string | null;
  /** 1 once paired with its counterpart from the other source. */
  matched: number;
  /** W3C traceparent of the span that recorded it (tracing on), the parent of its delivery attempts' spans. */
  trace_parent?: string | null;
}

export interface IngestTokenRow {
  tenant_id: string;
  token_hash: string;
  token_sealed: string;
  created_at: string;
}

export interface WebhookRow {
  id: string;
  tenant_id: string;
  url: string;
  /** JSON array of type patterns. */
  events: string;
  /** JSON { bucket?, prefix?, suffix? }. */
  filter: string;
  description: string | null;
  enabled: number;
  disabled_reason: string | null;
  /** Sealed whsec_… secret. */
  secret: string;
  /** The secret before the last rotation, still used to sign until previous_secret_until. */
  previous_secret: string | null;
  previous_secret_until: string | null;
  /** When the current run of failures began (null after a success). */
  failing_since: string | null;
  /** webhook, amqp, nats, mqtt or redis (from the URL's scheme). */
  kind: string;
  /** json or cloudevents. */
  format: string;
  /** JSON of the destination's settings (model/destination.ts Destination), never a secret. */
  destination: string;
  /** Sealed JSON of the destination's secrets (password, token), or null. */
  credentials: string | null;
  created_at: string;
  updated_at: string;
}

export interface DeliveryRow {
  id: string;
  webhook_id: string;
  tenant_id: string;
  event_id: string;
  /** pending: not tried yet; failed: tried, retry scheduled; delivered; dead: given up. */
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string | null;
  last_status: number | null;
  last_error: string | null;
  locked_until: string | null;
  locked_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface DeliveryAttemptRow {
  id: string;
  delivery_id: string;
  at: string;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  response_excerpt: string | null;
}
