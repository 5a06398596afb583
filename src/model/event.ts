import { Type, type Static } from '@sinclair/typebox';
import { errors } from '../errors.js';

/** Event types, named as in S3 notification configurations. */
export const EVENT_TYPES = [
  's3:ObjectCreated:Put',
  's3:ObjectCreated:Post',
  's3:ObjectCreated:Copy',
  's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectRemoved:Delete',
  's3:ObjectRemoved:DeleteMarkerCreated',
  's3:ObjectTagging:Put',
  's3:ObjectTagging:Delete',
  's3:ObjectAcl:Put',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

/** The delivered body (webhooks, GraphQL subscriptions, GET /v1/events). */
export const ObjectEvent = Type.Object(
  {
    id: Type.String({ description: 'evt_ + ULID: unique, ordered by time; the webhook-id of its deliveries' }),
    type: Type.Union(EVENT_TYPES.map((t) => Type.Literal(t))),
    timestamp: Type.String({ format: 'date-time' }),
    data: Type.Object(
      {
        tenant: Type.String(),
        bucket: Type.String(),
        key: Type.String({ description: 'The plain (decoded) key' }),
        size: Type.Union([Type.Integer(), Type.Null()]),
        etag: Nullable(Type.String()),
        versionId: Nullable(Type.String()),
        sequencer: Nullable(Type.String({ description: 'Orders the events of one key (hex, compare as equal-length strings)' })),
        source: Type.Union([Type.Literal('gateway'), Type.Literal('native')]),
      },
      { additionalProperties: false },
    ),
  },
  { $id: 'ObjectEvent', additionalProperties: false },
);
export type ObjectEvent = Static<typeof ObjectEvent>;

export interface EventInput {
  type: EventType;
  bucket: string;
  key: string;
  size?: number;
  etag?: string;
  versionId?: string;
  sequencer?: string;
  source: 'gateway' | 'native';
}

/** Which events of the tenant a subscription gets, beside its event types. */
export const EventFilter = Type.Object(
  {
    bucket: Type.Optional(Type.String({ description: 'Only events of this bucket' })),
    prefix: Type.Optional(Type.String({ description: 'Only keys that start with this' })),
    suffix: Type.Optional(Type.String({ description: 'Only keys that end with this' })),
  },
  { additionalProperties: false },
);
export type EventFilter = Static<typeof EventFilter>;

/** A pattern is a type, or a family with a trailing `*` (`s3:ObjectCreated:*`, `*`). */
export function typeMatches(patterns: string[], type: string): boolean {
  return patterns.some((p) => (p.endsWith('*') ? type.startsWith(p.slice(0, -1)) : p === type));
}

export function validatePatterns(patterns: string[]): void {
  if (patterns.length === 0) throw new errors.Validation('events must name at least one type or pattern');
  for (const p of patterns) {
    const known = p.endsWith('*') ? EVENT_TYPES.some((t) => t.startsWith(p.slice(0, -1))) : (EVENT_TYPES as readonly string[]).includes(p);
    if (!known) throw new errors.Validation(`'${p}' matches no event type; use one of ${EVENT_TYPES.join(', ')} or a prefix of them ending in *`);
  }
}

export function filterMatches(f: EventFilter, e: { bucket: string; key: string }): boolean {
  return (!f.bucket || f.bucket === e.bucket) && (!f.prefix || e.key.startsWith(f.prefix)) && (!f.suffix || e.key.endsWith(f.suffix));
}
