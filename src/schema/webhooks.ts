import { Type, type Static } from '@sinclair/typebox';
import { EventFilter as Filter } from '../model/event.js';
import { Delivery, DeliveryAttempt, DeliveryStatus as Status, Webhook } from '../model/webhook.js';
import { DestinationInput, DestinationKindSchema, EventFormat } from '../model/destination.js';
import { extend } from './common.js';

const Patterns = Type.Array(Type.String(), {
  minItems: 1,
  description: 'Event types (s3:ObjectCreated:Put, …) or families with a trailing * (s3:ObjectCreated:*)',
});

export const WebhookCreate = Type.Object(
  {
    url: Type.String({
      maxLength: 2048,
      description:
        'Where events go, its scheme naming the kind: http(s):// a webhook; amqp(s)://[user:password@]host[:port][/vhost] RabbitMQ; nats://[user:password@]host[:port] (tls:// with TLS) NATS JetStream; mqtt(s)://[user:password@]host[:port] MQTT; redis(s)://[user:password@]host[:port][/db] Redis Streams. A password in the URL is sealed and never answered. Private, loopback and link-local addresses are refused unless S3GATE_WEBHOOK_ALLOW_PRIVATE=true',
    }),
    kind: Type.Optional(DestinationKindSchema),
    events: Patterns,
    filter: Type.Optional(Filter),
    format: Type.Optional(EventFormat),
    destination: Type.Optional(DestinationInput),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);

export type WebhookInput = Static<typeof WebhookCreate>;

export const WebhookPatch = Type.Object(
  {
    url: Type.Optional(WebhookCreate.properties.url),
    kind: Type.Optional(DestinationKindSchema),
    events: Type.Optional(Patterns),
    filter: Type.Optional(Filter),
    format: Type.Optional(EventFormat),
    destination: Type.Optional(DestinationInput),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    enabled: Type.Optional(Type.Boolean({ description: 'true re-enables a subscription that was disabled (410, long failure)' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const WebhookWithSecret = extend(Webhook, { secret: Type.String({ description: 'whsec_…: verify signatures with it (standardwebhooks); shown only in this response' }) });

export const WebhookParams = Type.Object({ id: Type.String() });
export const DeliveryParams = Type.Object({ id: Type.String(), deliveryId: Type.String() });

export const DeliveryDetail = extend(Delivery, { attemptLog: Type.Array(DeliveryAttempt) });

export const WebhookListQuery = Type.Object({
  cursor: Type.Optional(Type.String({ description: 'nextCursor of the previous page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});

export const WebhookList = Type.Object(
  { webhooks: Type.Array(Type.Ref(Webhook)), nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as cursor for the next page; null on the last page' }) },
  { additionalProperties: false },
);

export const DeliveryListQuery = Type.Object({
  status: Type.Optional(Status),
  cursor: Type.Optional(Type.String()),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});

export const DeliveryList = Type.Object({ deliveries: Type.Array(Type.Ref(Delivery)), nextCursor: Type.Union([Type.String(), Type.Null()]) }, { additionalProperties: false });

export const TestResult = Type.Object(
  {
    eventId: Type.String(),
    ok: Type.Boolean(),
    status: Type.Union([Type.Integer(), Type.Null()]),
    durationMs: Type.Integer(),
    error: Type.Union([Type.String(), Type.Null()]),
    excerpt: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

export const ReplayBody = Type.Object({ since: Type.String({ format: 'date-time' }), until: Type.Optional(Type.String({ format: 'date-time' })) }, { additionalProperties: false });
