import { errors } from '../errors.js';
import { EVENT_TYPES, type EventInput, type EventType } from '../model/event.js';
import { validateBucketName, validateKey } from '../model/names.js';

export type Parsed = { kind: 'events'; events: EventInput[]; ignored: number } | { kind: 'subscribe'; url: string } | { kind: 'test' };

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined);

/**
 * What a record names must be something S3 could have stored: a valid bucket name, a valid key and a
 * whole size up to 5 TiB. Anything else is refused before it reaches the log, webhooks or GraphQL.
 */
function checked(e: EventInput, where: string): EventInput {
  try {
    validateBucketName(e.bucket);
    validateKey(e.key);
  } catch (err) {
    throw new errors.InvalidEvent(`${where}: ${(err as Error).message}`);
  }
  if (e.size !== undefined && (!Number.isSafeInteger(e.size) || e.size < 0 || e.size > MAX_OBJECT_SIZE)) {
    throw new errors.InvalidEvent(`${where}: size ${e.size} is not a whole number of bytes from 0 to ${MAX_OBJECT_SIZE}`);
  }
  for (const [name, value] of [
    ['eTag', e.etag],
    ['versionId', e.versionId],
    ['sequencer', e.sequencer],
  ] as const) {
    if (value !== undefined && (value.length > 1024 || /[\u0000-\u001f\u007f]/.test(value)))
      throw new errors.InvalidEvent(`${where}: ${name} is longer than 1024 characters or has control characters`);
  }
  return e;
}

/** S3's largest object. */
const MAX_OBJECT_SIZE = 5 * 1024 ** 4;

/** 's3:ObjectCreated:Put' from 'ObjectCreated:Put' (AWS, RGW) or 's3:ObjectCreated:Put' (MinIO); undefined for others. */
function typeOf(eventName: string): EventType | undefined {
  const name = eventName.startsWith('s3:') ? eventName : `s3:${eventName}`;
  return (EVENT_TYPES as readonly string[]).includes(name) ? (name as EventType) : undefined;
}

/**
 * AWS form-encodes keys in notifications (`+` for a space) and MinIO escapes them too (`/` as %2F);
 * RGW sends them as they are.
 */
function decodeKey(key: string, eventSource: string | undefined): string {
  if (eventSource === 'ceph:s3') return key;
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    throw new errors.InvalidEvent(`object key '${key}' is not valid URL encoding`);
  }
}

function fromRecords(records: unknown[]): { events: EventInput[]; ignored: number } {
  const events: EventInput[] = [];
  let ignored = 0;
  for (const [i, r] of records.entries()) {
    if (!isObject(r) || !isObject(r.s3) || !isObject(r.s3.bucket) || !isObject(r.s3.object) || !str(r.eventName)) {
      throw new errors.InvalidEvent(`Records[${i}] lacks eventName, s3.bucket or s3.object`);
    }
    const type = typeOf(r.eventName as string);
    const bucket = str(r.s3.bucket.name);
    const rawKey = str(r.s3.object.key);
    if (!bucket || rawKey === undefined) throw new errors.InvalidEvent(`Records[${i}] lacks s3.bucket.name or s3.object.key`);
    if (!type) {
      ignored++;
      continue;
    }
    const o = r.s3.object;
    events.push(
      checked(
        {
          type,
          bucket,
          key: decodeKey(rawKey, str(r.eventSource)),
          size: num(o.size),
          etag: str(o.eTag)?.replace(/"/g, ''),
          versionId: str(o.versionId),
          sequencer: str(o.sequencer),
          source: 'native',
        },
        `Records[${i}]`,
      ),
    );
  }
  return { events, ignored };
}

/** EventBridge names the S3 call in detail.reason. */
const BRIDGE_REASONS: Record<string, EventType> = {
  PutObject: 's3:ObjectCreated:Put',
  'POST Object': 's3:ObjectCreated:Post',
  CopyObject: 's3:ObjectCreated:Copy',
  CompleteMultipartUpload: 's3:ObjectCreated:CompleteMultipartUpload',
  DeleteObject: 's3:ObjectRemoved:Delete',
  DeleteObjects: 's3:ObjectRemoved:Delete',
};

function fromEventBridge(body: Json): { events: EventInput[]; ignored: number } {
  const d = body.detail;
  if (!isObject(d) || !isObject(d.bucket) || !isObject(d.object) || !str(d.bucket.name) || str(d.object.key) === undefined) {
    throw new errors.InvalidEvent('an EventBridge event needs detail.bucket.name and detail.object.key');
  }
  const type = BRIDGE_REASONS[str(d.reason) ?? ''] ?? (body['detail-type'] === 'Object Deleted' ? 's3:ObjectRemoved:Delete' : undefined);
  if (!type) return { events: [], ignored: 1 };
  return {
    events: [
      checked(
        {
          type,
          bucket: str(d.bucket.name)!,
          key: str(d.object.key)!,
          size: num(d.object.size),
          etag: str(d.object.etag),
          versionId: str(d.object['version-id']),
          sequencer: str(d.object.sequencer),
          source: 'native',
        },
        'detail',
      ),
    ],
    ignored: 0,
  };
}

/**
 * Most records one notification may carry. S3, RGW and MinIO send one per request; a bound keeps one
 * tenant's ingest from turning into one huge transaction shared with other tenants' writes.
 */
export const MAX_RECORDS = 100;
/**
 * Largest notification body taken: MAX_RECORDS records of up to 10 KiB (a record with a 1,024-byte key,
 * its metadata and tags is 1 to 3 KiB; SNS wraps it in a JSON string, escaping its quotes).
 */
export const MAX_INGEST_BYTES = MAX_RECORDS * 10 * 1024;

/** Parses a notification body as sent by AWS S3, Ceph RGW, MinIO, SNS (either message type) or EventBridge. */
export function parseNotification(body: unknown): Parsed {
  if (!isObject(body)) throw new errors.InvalidEvent('the body must be a JSON object');
  if (body.Type === 'SubscriptionConfirmation') {
    const url = str(body.SubscribeURL);
    if (!url) throw new errors.InvalidEvent('an SNS SubscriptionConfirmation needs SubscribeURL');
    return { kind: 'subscribe', url };
  }
  if (body.Type === 'Notification') {
    let message: unknown;
    try {
      message = JSON.parse(String(body.Message));
    } catch {
      throw new errors.InvalidEvent('the Message of an SNS Notification must be JSON');
    }
    return parseNotification(message);
  }
  if (body.Event === 's3:TestEvent') return { kind: 'test' };
  if (Array.isArray(body.Records)) {
    if (body.Records.length > MAX_RECORDS) throw new errors.TooManyRecords(body.Records.length, MAX_RECORDS);
    return { kind: 'events', ...fromRecords(body.Records) };
  }
  if ((body['detail-type'] === 'Object Created' || body['detail-type'] === 'Object Deleted') && body.source === 'aws.s3') {
    return { kind: 'events', ...fromEventBridge(body) };
  }
  throw new errors.InvalidEvent('expected S3 event Records, an SNS message or an EventBridge "Object Created"/"Object Deleted" event');
}

/** An SNS SubscribeURL the gateway may fetch: https on an SNS host (anything when private addresses are allowed). */
export function subscribeUrlAllowed(url: string, allowPrivate: boolean): boolean {
  try {
    const u = new URL(url);
    if (allowPrivate) return u.protocol === 'https:' || u.protocol === 'http:';
    return u.protocol === 'https:' && /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/.test(u.hostname);
  } catch {
    return false;
  }
}
