import { Type, type Static } from '@sinclair/typebox';
import { Destination, DestinationKindSchema, EventFormat } from './destination.js';
import { EventFilter } from './event.js';

/** A subscription as every face answers it (never its secret). */
export const Webhook = Type.Object(
  {
    id: Type.String(),
    kind: DestinationKindSchema,
    url: Type.String({ description: 'The endpoint or broker, without a password' }),
    events: Type.Array(Type.String()),
    filter: EventFilter,
    format: EventFormat,
    destination: Destination,
    description: Type.Union([Type.String(), Type.Null()]),
    enabled: Type.Boolean(),
    disabledReason: Type.Union([Type.String(), Type.Null()], { description: 'Why the subscription was disabled' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Webhook', additionalProperties: false },
);
export type Webhook = Static<typeof Webhook>;

/** Where a delivery stands: one enum for the store, REST, GraphQL and the console. */
export const DeliveryStatus = Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed'), Type.Literal('dead')], {
  description: 'pending: not tried yet; failed: tried, retry scheduled; delivered; dead: given up',
});
export type DeliveryStatus = Static<typeof DeliveryStatus>;

/** One event's delivery to one subscription. */
export const Delivery = Type.Object(
  {
    id: Type.String(),
    eventId: Type.String(),
    type: Type.String(),
    status: DeliveryStatus,
    attempts: Type.Integer(),
    lastStatus: Type.Union([Type.Integer(), Type.Null()], { description: 'HTTP status of the last attempt (null for a broker destination, and for a webhook that did not answer)' }),
    lastError: Type.Union([Type.String(), Type.Null()]),
    nextAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Delivery', additionalProperties: false },
);
export type Delivery = Static<typeof Delivery>;

/** One attempt of a delivery. */
export const DeliveryAttempt = Type.Object(
  {
    at: Type.String({ format: 'date-time' }),
    statusCode: Type.Union([Type.Integer(), Type.Null()]),
    durationMs: Type.Integer(),
    error: Type.Union([Type.String(), Type.Null()]),
    responseExcerpt: Type.Union([Type.String(), Type.Null()], { description: 'The first KiB of the answer' }),
  },
  { additionalProperties: false },
);
export type DeliveryAttempt = Static<typeof DeliveryAttempt>;
