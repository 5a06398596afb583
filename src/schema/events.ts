import { Type } from '@sinclair/typebox';
import { EVENT_TYPES } from '../services/events.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

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

export const EventListQuery = Type.Object({
  bucket: Type.Optional(Type.String()),
  prefix: Type.Optional(Type.String()),
  since: Type.Optional(Type.String({ format: 'date-time', description: 'Only events at or after this time' })),
  cursor: Type.Optional(Type.String({ description: 'nextCursor of the previous page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});

export const EventList = Type.Object(
  { events: Type.Array(Type.Ref(ObjectEvent)), nextCursor: Type.Union([Type.String(), Type.Null()]) },
  { additionalProperties: false },
);
