import { Type, type Static } from '@sinclair/typebox';
import { errors } from '../errors.js';
import type { ObjectEvent } from './event.js';

/**
 * Where a subscription's deliveries go. The kind follows from the URL's scheme: http(s) is a signed
 * webhook; amqp(s) RabbitMQ (AMQP 0-9-1); nats (or tls) NATS JetStream; mqtt(s) an MQTT broker;
 * redis(s) a Redis stream.
 */
export const DESTINATION_KINDS = ['webhook', 'amqp', 'nats', 'mqtt', 'redis'] as const;
export type DestinationKind = (typeof DESTINATION_KINDS)[number];
export const DestinationKindSchema = Type.Union(
  DESTINATION_KINDS.map((k) => Type.Literal(k)),
  { description: 'From the URL scheme: http(s) webhook, amqp(s) AMQP 0-9-1, nats or tls NATS JetStream, mqtt(s) MQTT, redis(s) Redis Streams' },
);

const SCHEMES: Record<string, DestinationKind> = {
  'http:': 'webhook',
  'https:': 'webhook',
  'amqp:': 'amqp',
  'amqps:': 'amqp',
  'nats:': 'nats',
  'tls:': 'nats',
  'mqtt:': 'mqtt',
  'mqtts:': 'mqtt',
  'redis:': 'redis',
  'rediss:': 'redis',
};

export const DESTINATION_SCHEMES = Object.keys(SCHEMES);

/** The kind of a destination URL's scheme, or undefined for a scheme no destination has. */
export function kindOfScheme(protocol: string): DestinationKind | undefined {
  return SCHEMES[protocol];
}

/** The body: the gateway's event JSON, or CloudEvents 1.0 (binary mode on webhooks, structured on queues). */
export const EventFormat = Type.Union([Type.Literal('json'), Type.Literal('cloudevents')], {
  description: 'json: the event as GET /v1/events answers it; cloudevents: CloudEvents 1.0 with the event as data (binary mode with ce-* headers on webhooks, structured JSON on queues)',
});
export type EventFormat = Static<typeof EventFormat>;

const template = (what: string, example: string) =>
  Type.String({
    minLength: 1,
    maxLength: 1024,
    description: `${what}: a template of {tenant}, {bucket}, {key}, {type} (s3:ObjectCreated:Put) and {eventName} (ObjectCreated:Put), e.g. ${example}`,
  });

/** A destination's settings beside its URL, as answered (never a password or token). */
export const Destination = Type.Object(
  {
    exchange: Type.Optional(Type.String({ maxLength: 255, description: 'AMQP: the exchange published to (default amq.topic; "" is the default exchange)' })),
    routingKey: Type.Optional(template('AMQP: the routing key', '{bucket}.{eventName}')),
    subject: Type.Optional(template('NATS: the subject, which a JetStream stream must take', 's3gate.{tenant}.{bucket}')),
    servers: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 255 }), {
        maxItems: 10,
        description: "NATS: more servers of the cluster (host:port), beside the URL's; each passes the same address rules",
      }),
    ),
    topic: Type.Optional(template('MQTT: the topic (QoS 1)', 's3gate/{bucket}/{key}')),
    mqttVersion: Type.Optional(Type.Integer({ minimum: 4, maximum: 5, description: 'MQTT: 4 (3.1.1) or 5 (default); signature headers travel as MQTT 5 user properties' })),
    stream: Type.Optional(template('Redis: the stream key', 's3gate:{tenant}')),
    maxLen: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000, description: 'Redis: XADD MAXLEN ~ bound (default 100000)' })),
    username: Type.Optional(Type.String({ maxLength: 255, description: 'The broker user (also taken from the URL)' })),
  },
  { additionalProperties: false },
);
export type Destination = Static<typeof Destination>;

/** What a client may send: the answered settings and the secrets, sealed at rest and never answered. */
export const DestinationInput = Type.Object(
  {
    ...Destination.properties,
    password: Type.Optional(Type.String({ maxLength: 1024, description: 'The broker password (also taken from the URL); sealed at rest, never answered' })),
    token: Type.Optional(Type.String({ maxLength: 4096, description: 'NATS: an authentication token; sealed at rest, never answered' })),
  },
  { additionalProperties: false },
);
export type DestinationInput = Static<typeof DestinationInput>;

/** The secrets of a destination, as sealed. */
export interface DestinationSecrets {
  password?: string;
  token?: string;
}

/** The settings each kind takes (the rest are refused, so a typo is not silently ignored). */
const SETTINGS: Record<DestinationKind, (keyof Destination)[]> = {
  webhook: [],
  amqp: ['exchange', 'routingKey', 'username'],
  nats: ['subject', 'servers', 'username'],
  mqtt: ['topic', 'mqttVersion', 'username'],
  redis: ['stream', 'maxLen', 'username'],
};

export const DEFAULTS: Required<Omit<Destination, 'username' | 'mqttVersion' | 'servers'>> & { mqttVersion: 4 | 5 } = {
  exchange: 'amq.topic',
  routingKey: 's3gate.{tenant}.{bucket}',
  subject: 's3gate.{tenant}.{bucket}',
  topic: 's3gate/{tenant}/{bucket}',
  mqttVersion: 5,
  stream: 's3gate:{tenant}',
  maxLen: 100_000,
};

/** Checks a destination's settings against its kind; throws a validation error naming what to fix. */
export function checkDestination(kind: DestinationKind, d: Destination & DestinationSecrets): void {
  const allowed = new Set<string>([...SETTINGS[kind], ...(kind === 'webhook' ? [] : ['password']), ...(kind === 'nats' ? ['token'] : [])]);
  const wrong = Object.keys(d).filter((k) => !allowed.has(k));
  if (wrong.length > 0) throw new errors.Validation(`destination.${wrong[0]} is not a setting of a ${kind} destination${allowed.size ? ` (it takes ${[...allowed].join(', ')})` : ''}`);
  for (const name of ['routingKey', 'subject', 'topic', 'stream'] as const) {
    const value = d[name];
    if (value === undefined) continue;
    if (/[\x00-\x1f\x7f]/.test(value)) throw new errors.Validation(`destination.${name}: a control character (U+0000 to U+001F, U+007F) cannot be part of it`);
    const unknown = /\{(?!(?:tenant|bucket|key|type|eventName)\})[^}]*\}/.exec(value);
    if (unknown) throw new errors.Validation(`destination.${name}: ${unknown[0]} is not a template field; use {tenant}, {bucket}, {key}, {type} or {eventName}`);
  }
  for (const server of d.servers ?? []) if (!/^(\[[0-9a-fA-F:.]+\]|[^\s/:@[\]]+):\d{1,5}$/.test(server)) throw new errors.Validation(`destination.servers: '${server.slice(0, 64)}' is not host:port`);
  if (d.subject !== undefined && /[\s*>]/.test(d.subject.replace(/\{[a-zA-Z]+\}/g, '')))
    throw new errors.Validation('destination.subject: a subject published to has no spaces and no wildcards (* or >)');
  if (d.topic !== undefined && /[+#\0]/.test(d.topic.replace(/\{[a-zA-Z]+\}/g, ''))) throw new errors.Validation('destination.topic: a topic published to has no wildcards (+ or #)');
}

/**
 * A template filled in from an event. What an event puts in is made safe for the kind: a NATS subject
 * token has no space, control character, `*`, `>` or empty token (the key's `.` would split it, so it becomes `_`), an MQTT
 * topic no `+`, `#` or NUL; AMQP routing keys are at most 255 bytes.
 */
export function fill(templateText: string, kind: DestinationKind, e: ObjectEvent): string {
  const safe = (v: string) => (kind === 'nats' ? v.replace(/[\s.*>\x00-\x1f\x7f]/g, '_') || '_' : kind === 'mqtt' ? v.replace(/[+#\0]/g, '_') : v);
  const values: Record<string, string> = { tenant: e.data.tenant, bucket: e.data.bucket, key: e.data.key, type: e.type, eventName: e.type.replace(/^s3:/, '') };
  const out = templateText.replace(/\{(tenant|bucket|key|type|eventName)\}/g, (_, name: string) => safe(values[name]));
  return kind === 'amqp' ? utf8Prefix(out, 255) : out;
}

/** The longest prefix of `text` of at most `max` UTF-8 bytes, cut between characters. */
function utf8Prefix(text: string, max: number): string {
  const bytes = Buffer.from(text);
  if (bytes.length <= max) return text;
  let end = max;
  // bytes[end] is the first byte left out: while it continues a character, leave that character out too.
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString();
}
