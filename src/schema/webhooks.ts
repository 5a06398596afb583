import { Type } from '@sinclair/typebox';
import { extend } from './common.js';

const Filter = Type.Object(
  {
    bucket: Type.Optional(Type.String({ description: 'Only events of this bucket' })),
    prefix: Type.Optional(Type.String({ description: 'Only keys that start with this' })),
    suffix: Type.Optional(Type.String({ description: 'Only keys that end with this' })),
  },
  { additionalProperties: false },
);

const Patterns = Type.Array(Type.String(), {
  minItems: 1,
  description: 'Event types (s3:ObjectCreated:Put, …) or families with a trailing * (s3:ObjectCreated:*)',
});

export const WebhookCreate = Type.Object(
  {
    url: Type.String({ description: 'http or https; private, loopback and link-local addresses are refused unless S3GATE_WEBHOOK_ALLOW_PRIVATE=true' }),
    events: Patterns,
    filter: Type.Optional(Filter),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);

export const WebhookPatch = Type.Object(
  {
    url: Type.Optional(WebhookCreate.properties.url),
    events: Type.Optional(Patterns),
    filter: Type.Optional(Filter),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    enabled: Type.Optional(Type.Boolean({ description: 'true re-enables a subscription that was disabled (410, long failure)' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const Webhook = Type.Object(
  {
    id: Type.String(),
    url: Type.String(),
    events: Type.Array(Type.String()),
    filter: Filter,
    description: Type.Union([Type.String(), Type.Null()]),
    enabled: Type.Boolean(),
    disabledReason: Type.Union([Type.String(), Type.Null()], { description: 'Why the subscription was disabled' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Webhook', additionalProperties: false },
);

export const WebhookWithSecret = extend(Webhook, { secret: Type.String({ description: 'whsec_…: verify signatures with it (standardwebhooks); shown only in this response' }) });

export const WebhookParams = Type.Object({ id: Type.String() });
export const DeliveryParams = Type.Object({ id: Type.String(), deliveryId: Type.String() });

const Status = Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed'), Type.Literal('dead')], {
  description: 'pending: not tried yet; failed: tried, retry scheduled; delivered; dead: given up',
});

export const Delivery = Type.Object(
  {
    id: Type.String(),
    eventId: Type.String(),
    type: Type.String(),
    status: Status,
    attempts: Type.Integer(),
    lastStatus: Type.Union([Type.Integer(), Type.Null()], { description: 'HTTP status of the last attempt' }),
    lastError: Type.Union([Type.String(), Type.Null()]),
    nextAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Delivery', additionalProperties: false },
);

export const DeliveryDetail = extend(Delivery, {
  attemptLog: Type.Array(
    Type.Object(
      {
        at: Type.String({ format: 'date-time' }),
        statusCode: Type.Union([Type.Integer(), Type.Null()]),
        durationMs: Type.Integer(),
        error: Type.Union([Type.String(), Type.Null()]),
        responseExcerpt: Type.Union([Type.String(), Type.Null()], { description: 'The first KiB of the answer' }),
      },
      { additionalProperties: false },
    ),
  ),
});

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
