import { Type } from '@sinclair/typebox';
import { ObjectEvent } from '../model/event.js';

export const EventListQuery = Type.Object({
  bucket: Type.Optional(Type.String()),
  prefix: Type.Optional(Type.String()),
  since: Type.Optional(Type.String({ format: 'date-time', description: 'Only events at or after this time' })),
  cursor: Type.Optional(Type.String({ description: 'nextCursor of the previous page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});

export const EventList = Type.Object({ events: Type.Array(Type.Ref(ObjectEvent)), nextCursor: Type.Union([Type.String(), Type.Null()]) }, { additionalProperties: false });
