import { Type, type Static } from '@sinclair/typebox';

export const BucketParams = Type.Object({ bucket: Type.String({ description: 'Bucket name (S3 naming rules)' }) });

export const ObjectParams = Type.Object({
  bucket: Type.String({ description: 'Bucket name' }),
  '*': Type.String({
    description: 'The object key: the rest of the path, percent-encoded UTF-8; may contain /. A key with . or .. segments must be sent with / encoded as %2F (HTTP clients remove dot segments).',
  }),
});

export const BucketList = Type.Object(
  {
    buckets: Type.Array(Type.Object({ name: Type.String(), createdAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

export const BucketCreated = Type.Object({ name: Type.String(), created: Type.Boolean({ description: 'false when this tenant already had the bucket (200)' }) }, { additionalProperties: false });

export const DeleteBucketQuery = Type.Object({
  force: Type.Optional(Type.Boolean({ default: false, description: 'Delete every object (and unfinished upload) first' })),
});

export const ListQuery = Type.Object({
  prefix: Type.Optional(Type.String({ description: 'Only keys that start with this' })),
  delimiter: Type.Optional(Type.String({ minLength: 1, description: 'Roll keys up into prefixes at this string (usually /)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 1000, description: 'Most entries (objects + prefixes) per page' })),
  cursor: Type.Optional(Type.String({ minLength: 1, description: 'nextCursor of the previous page' })),
});

export const ObjectSummary = Type.Object(
  {
    key: Type.String(),
    size: Type.Integer(),
    etag: Type.String({ description: 'Without quotes' }),
    lastModified: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

export const ObjectList = Type.Object(
  {
    objects: Type.Array(ObjectSummary),
    prefixes: Type.Array(Type.String()),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as cursor for the next page; null on the last page' }),
  },
  { additionalProperties: false },
);

export const StoredObject = Type.Object({ bucket: Type.String(), key: Type.String(), etag: Type.String(), size: Type.Integer() }, { additionalProperties: false });

export const UploadResult = Type.Object(
  { objects: Type.Array(Type.Object({ key: Type.String(), etag: Type.String(), size: Type.Integer() }, { additionalProperties: false })) },
  { additionalProperties: false },
);

export const DeleteManyBody = Type.Object({ keys: Type.Array(Type.String(), { description: 'At most 1000 keys (more: 400 S3GATE_TOO_MANY_KEYS)' }) }, { additionalProperties: false });

export const DeleteManyResult = Type.Object(
  {
    deleted: Type.Array(Type.String()),
    errors: Type.Array(Type.Object({ key: Type.String(), code: Type.String(), message: Type.String() }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

const Ref = Type.Object({ bucket: Type.String(), key: Type.String() }, { additionalProperties: false });

export const CopyBody = Type.Object(
  {
    source: Ref,
    destination: Ref,
    move: Type.Optional(Type.Boolean({ default: false, description: 'Delete the source once the copy is stored' })),
  },
  { additionalProperties: false },
);
export type CopyBody = Static<typeof CopyBody>;

export const CopyResult = Type.Object({ bucket: Type.String(), key: Type.String(), etag: Type.String() }, { additionalProperties: false });

export const PresignBody = Type.Object(
  {
    bucket: Type.String(),
    key: Type.String(),
    method: Type.Union([Type.Literal('GET'), Type.Literal('PUT'), Type.Literal('TUS')], {
      description: 'TUS: a tus 1.0 creation URL of the gateway (POST it with Upload-Length, as tus-js-client or Uppy do): it creates one resumable upload of bucket/key, with no API key',
    }),
    expiresIn: Type.Integer({ minimum: 1, maximum: 604800, description: 'Seconds the URL stays valid (at most 7 days); a tus upload created with it stays valid until the upload expires' }),
    contentType: Type.Optional(Type.String({ minLength: 1, description: 'PUT and TUS only: the Content-Type the upload must have' })),
  },
  { additionalProperties: false },
);

export const PresignResult = Type.Object(
  {
    url: Type.String(),
    method: Type.Union([Type.Literal('GET'), Type.Literal('PUT'), Type.Literal('TUS')]),
    expiresAt: Type.String({ format: 'date-time' }),
    headers: Type.Record(Type.String(), Type.String(), { description: 'Headers the request to url must send' }),
  },
  { additionalProperties: false },
);

export const PresignedQuery = Type.Object({
  tenant: Type.String(),
  method: Type.Union([Type.Literal('GET'), Type.Literal('PUT')]),
  expires: Type.Integer(),
  contentType: Type.Optional(Type.String()),
  signature: Type.String(),
});

/** Response headers of GET and HEAD on an object. */
export const objectHeaders = {
  etag: { type: 'string', description: 'Quoted ETag' },
  'last-modified': { type: 'string' },
  'content-length': { type: 'integer' },
  'content-type': { type: 'string' },
  'accept-ranges': { type: 'string', enum: ['bytes'] },
  'content-range': { type: 'string', description: '206 only' },
  'x-meta-*': { type: 'string', description: 'User metadata, one header per entry' },
};

export const NotificationBody = Type.Object(
  {
    enabled: Type.Boolean({ description: "true wires the bucket to this tenant's ingest URL; false removes the wiring" }),
    persistent: Type.Optional(Type.Boolean({ default: true, description: 'RGW persistent topic: writes do not wait for the gateway, events are queued and retried' })),
  },
  { additionalProperties: false },
);

export const NotificationState = Type.Object({ bucket: Type.String(), enabled: Type.Boolean(), topicArn: Type.Union([Type.String(), Type.Null()]) }, { additionalProperties: false });

/** S3's conditional writes, checked when the object is committed. */
export const WriteConditions = Type.Object({
  'if-match': Type.Optional(
    Type.String({ description: 'Write only over this ETag (or `*`: any existing object); 412 S3GATE_PRECONDITION_FAILED, or 404 S3GATE_OBJECT_NOT_FOUND when the key is absent' }),
  ),
  'if-none-match': Type.Optional(Type.String({ description: '`*`: create only (412 when the key exists); an ETag: refuse to overwrite that version' })),
});

/** An object's tags (S3's object tagging: at most 10; keys of 1-128, values of 0-256 characters). */
export const ObjectTags = Type.Object(
  { tags: Type.Record(Type.String({ minLength: 1, maxLength: 128 }), Type.String({ maxLength: 256 }), { description: 'Tag key → value; {} for none' }) },
  { additionalProperties: false },
);

export const VersionQuery = Type.Object({
  versionId: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'One version of the object (S3 backends; `null` is the one version on the disk driver)' })),
});

export const ObjectVersion = Type.Object(
  {
    key: Type.String(),
    versionId: Type.String(),
    isLatest: Type.Boolean(),
    deleteMarker: Type.Boolean({ description: 'A delete marker, not a version with content' }),
    size: Type.Integer(),
    etag: Type.String(),
    lastModified: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

export const VersionList = Type.Object(
  {
    versions: Type.Array(ObjectVersion),
    truncated: Type.Boolean(),
    nextKeyMarker: Type.Optional(Type.String()),
    nextVersionIdMarker: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const VersionListQuery = Type.Object({
  prefix: Type.Optional(Type.String()),
  keyMarker: Type.Optional(Type.String({ description: 'nextKeyMarker of the previous page' })),
  versionIdMarker: Type.Optional(Type.String({ description: 'nextVersionIdMarker of the previous page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
});
