import { randomBytes } from 'node:crypto';
import { connect as amqpConnect } from 'amqplib';
import { AckPolicy, jetstreamManager, jetstream } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { connectAsync as mqttConnect } from 'mqtt';
import { Redis } from 'ioredis';
import { Webhook as Verifier } from 'standardwebhooks';
import t, { type Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { bearer, createTenant, testApp } from '../helpers/app.js';
import { brokerUp } from '../helpers/brokers.js';
import { eventIds } from '../helpers/events.js';

/**
 * Subscriptions to the brokers this machine runs (RabbitMQ, NATS JetStream, Mosquitto, Redis), each
 * read by a consumer of the broker's own client: every event of the writes arrives with its id, signed
 * with the subscription's secret, as JSON or as a CloudEvent.
 */
const WRITES = Number(process.env.S3GATE_DESTINATION_WRITES ?? 1000);
const config = {
  webhooks: {
    allowPrivate: true,
    timeoutMs: 2000,
    retrySchedule: [100, 200, 400, 800, 1600, 3200],
    disableAfterMs: 600_000,
    concurrency: 64,
    endpointConcurrency: 8,
    pollMs: 50,
    retentionMs: 24 * 3600 * 1000,
    deliveryRetentionMs: 24 * 3600 * 1000,
    retentionIntervalMs: 3_600_000,
  },
};

interface Received {
  id: string;
  body: string;
  headers: Record<string, string>;
}

async function gateway(t: Test, tenant: string) {
  const app = await testApp(t, { config });
  const key = await createTenant(app, { id: tenant, driver: 'disk' });
  const h = bearer(key);
  t.equal((await app.inject({ method: 'PUT', url: '/v1/buckets/events', headers: h })).statusCode, 201);
  return { app, h };
}

async function subscribe(t: Test, app: FastifyInstance, h: Record<string, string>, body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const res = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: h, payload: { events: ['s3:ObjectCreated:*'], ...body } });
  t.equal(res.statusCode, 201, `subscribed: ${res.body.slice(0, 300)}`);
  return res.json() as { id: string; secret: string };
}

/** Writes `n` objects one after another; the ids of their events from the tenant's log. */
async function write(app: FastifyInstance, h: Record<string, string>, n: number): Promise<string[]> {
  for (let i = 0; i < n; i++) {
    const res = await app.inject({ method: 'PUT', url: `/v1/buckets/events/objects/k${i}`, headers: { ...h, 'content-type': 'text/plain' }, payload: `v${i}` });
    if (res.statusCode !== 201) throw new Error(`PUT ${i}: ${res.statusCode} ${res.body}`);
  }
  return eventIds(app, h);
}

async function until(what: string, done: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every event arrived (`once`: each exactly once), each verifies with the secret. */
function check(t: Test, got: Received[], ids: string[], secret: string, opts: { once: boolean }) {
  const seen = new Map<string, number>();
  for (const m of got) seen.set(m.id, (seen.get(m.id) ?? 0) + 1);
  t.equal(ids.length, WRITES, `${WRITES} events recorded`);
  t.same(
    ids.filter((id) => !seen.has(id)),
    [],
    'every event arrived',
  );
  if (opts.once)
    t.same(
      [...seen].filter(([, n]) => n > 1),
      [],
      'each exactly once',
    );
  const verifier = new Verifier(secret);
  const bad = got.filter((m) => {
    try {
      verifier.verify(m.body, m.headers);
      return false;
    } catch {
      return true;
    }
  });
  t.equal(bad.length, 0, 'every message verifies with the subscription secret (webhook-id, webhook-timestamp, webhook-signature)');
}

t.test('AMQP 0-9-1 (RabbitMQ): persistent, confirmed, message-id the event id', async (t) => {
  if (!(await brokerUp(t, 'RabbitMQ', 5672))) return;
  const tenant = `amqp-${randomBytes(3).toString('hex')}`;
  const { app, h } = await gateway(t, tenant);
  const conn = await amqpConnect('amqp://guest:guest@127.0.0.1:5672');
  t.teardown(() => conn.close());
  const ch = await conn.createChannel();
  const { queue } = await ch.assertQueue('', { exclusive: true });
  await ch.bindQueue(queue, 'amq.topic', `s3gate.${tenant}.#`);
  const got: Received[] = [];
  let transient = 0;
  await ch.consume(queue, (msg) => {
    if (!msg) return;
    if (msg.properties.deliveryMode !== 2) transient++;
    got.push({ id: String(msg.properties.messageId), body: msg.content.toString(), headers: Object.fromEntries(Object.entries(msg.properties.headers ?? {}).map(([k, v]) => [k, String(v)])) });
    ch.ack(msg);
  });
  const sub = await subscribe(t, app, h, { url: 'amqp://guest:guest@127.0.0.1:5672/' });
  const answered = (await app.inject({ method: 'GET', url: `/v1/webhooks/${sub.id}`, headers: h })).json();
  t.match(answered, { kind: 'amqp', url: 'amqp://guest@127.0.0.1:5672/', format: 'json', destination: {} }, 'the kind from the scheme; the password is not answered');
  t.notOk(JSON.stringify(answered).includes('guest:guest'), 'nor anywhere in the answer');
  const ids = await write(app, h, WRITES);
  await until('every AMQP message', () => new Set(got.map((m) => m.id)).size >= ids.length);
  check(t, got, ids, sub.secret, { once: false });
  t.equal(transient, 0, 'every message persistent (delivery mode 2)');
  t.match(JSON.parse(got[0].body), { id: got[0].id, type: 's3:ObjectCreated:Put', data: { tenant, bucket: 'events' } }, "the body is the event's JSON");
});

t.test('NATS JetStream: acknowledged, Nats-Msg-Id the event id, each event once in the stream', async (t) => {
  if (!(await brokerUp(t, 'NATS', 4222))) return;
  const tenant = `nats-${randomBytes(3).toString('hex')}`;
  const { app, h } = await gateway(t, tenant);
  const nc = await natsConnect({ servers: '127.0.0.1:4222' });
  t.teardown(() => nc.close());
  const jsm = await jetstreamManager(nc);
  const stream = `S3GATE_${tenant.replace(/-/g, '_')}`;
  await jsm.streams.add({ name: stream, subjects: [`s3gate.${tenant}.>`], duplicate_window: 120_000_000_000 });
  t.teardown(() => jsm.streams.delete(stream).catch(() => {}));
  const sub = await subscribe(t, app, h, { url: 'nats://127.0.0.1:4222', format: 'cloudevents', destination: { subject: 's3gate.{tenant}.{bucket}.{key}' } });
  let stored = 0;
  const poll = setInterval(
    () =>
      void jsm.streams.info(stream).then(
        (i) => (stored = i.state.messages),
        () => {},
      ),
    100,
  );
  t.teardown(() => clearInterval(poll));
  const ids = await write(app, h, WRITES);
  await until('the stream to hold every event', () => stored >= ids.length);
  await jsm.consumers.add(stream, { durable_name: 'reader', ack_policy: AckPolicy.None });
  const consumer = await jetstream(nc).consumers.get(stream, 'reader');
  const got: Received[] = [];
  const messages = await consumer.fetch({ max_messages: ids.length + 10, expires: 5000 });
  for await (const m of messages) {
    const headers = Object.fromEntries([...(m.headers?.keys() ?? [])].map((k) => [k.toLowerCase(), m.headers!.get(k)]));
    got.push({ id: headers['nats-msg-id'], body: m.string(), headers });
    if (got.length >= ids.length) break;
  }
  check(t, got, ids, sub.secret, { once: true });
  const ce = JSON.parse(got[0].body);
  t.match(
    ce,
    { specversion: '1.0', id: got[0].id, type: 'com.amazonaws.s3.ObjectCreated:Put', source: `s3gate:s3.${tenant}.events`, datacontenttype: 'application/json', data: { id: got[0].id } },
    'a structured CloudEvent',
  );
  t.equal(got[0].headers['content-type'], 'application/cloudevents+json');
  t.equal((await jsm.streams.info(stream)).state.messages, ids.length, 'the stream holds each event once');
});

t.test('MQTT 5: QoS 1, the id and signature as user properties', async (t) => {
  if (!(await brokerUp(t, 'Mosquitto', 1883))) return;
  const tenant = `mqtt-${randomBytes(3).toString('hex')}`;
  const { app, h } = await gateway(t, tenant);
  const client = await mqttConnect('mqtt://127.0.0.1:1883', { protocolVersion: 5, clean: true });
  t.teardown(() => client.endAsync());
  const got: Received[] = [];
  client.on('message', (_topic, payload, packet) => {
    const props = (packet.properties?.userProperties ?? {}) as Record<string, string>;
    got.push({ id: props['webhook-id'], body: payload.toString(), headers: props });
  });
  await client.subscribeAsync(`s3gate/${tenant}/#`, { qos: 1 });
  const sub = await subscribe(t, app, h, { url: 'mqtt://127.0.0.1:1883' });
  const ids = await write(app, h, WRITES);
  await until('every MQTT message', () => new Set(got.map((m) => m.id)).size >= ids.length);
  check(t, got, ids, sub.secret, { once: false });
});

t.test('Redis Streams: XADD with MAXLEN ~, fields id, type, signature and body', async (t) => {
  if (!(await brokerUp(t, 'Redis', 6379))) return;
  const tenant = `redis-${randomBytes(3).toString('hex')}`;
  const { app, h } = await gateway(t, tenant);
  const r = new Redis({ host: '127.0.0.1', port: 6379 });
  const stream = `s3gate:${tenant}`;
  t.teardown(async () => {
    await r.del(stream);
    r.disconnect();
  });
  const sub = await subscribe(t, app, h, { url: 'redis://127.0.0.1:6379/0', destination: { maxLen: 5000 } });
  const ids = await write(app, h, WRITES);
  let got: Received[] = [];
  const read = async () => {
    got = (await r.xrange(stream, '-', '+')).map(([, fields]) => {
      const f: Record<string, string> = {};
      for (let j = 0; j < fields.length; j += 2) f[fields[j]] = fields[j + 1];
      return { id: f.id, body: f.body, headers: f };
    });
  };
  for (const end = Date.now() + 60_000; new Set(got.map((m) => m.id)).size < ids.length && Date.now() < end; ) {
    await read();
    await new Promise((res) => setTimeout(res, 100));
  }
  check(t, got, ids, sub.secret, { once: false });
  t.equal(got[0].headers.type, 's3:ObjectCreated:Put');
});

t.test('MQTT 3.1.1: QoS 1, the event id in the body (3.1.1 has no properties)', async (t) => {
  if (!(await brokerUp(t, 'Mosquitto', 1883))) return;
  const tenant = `mqtt4-${randomBytes(3).toString('hex')}`;
  const { app, h } = await gateway(t, tenant);
  const client = await mqttConnect('mqtt://127.0.0.1:1883', { protocolVersion: 4, clean: true });
  t.teardown(() => client.endAsync());
  const got: string[] = [];
  client.on('message', (_topic, payload) => got.push((JSON.parse(payload.toString()) as { id: string }).id));
  await client.subscribeAsync(`v4/${tenant}/#`, { qos: 1 });
  await subscribe(t, app, h, { url: 'mqtt://127.0.0.1:1883', destination: { mqttVersion: 4, topic: 'v4/{tenant}/{bucket}/{key}' } });
  const n = Math.min(WRITES, 100);
  for (let i = 0; i < n; i++) await app.inject({ method: 'PUT', url: `/v1/buckets/events/objects/v4-${i}`, headers: h, payload: 'x' });
  const ids = await eventIds(app, h);
  t.equal(ids.length, n);
  await until('every MQTT 3.1.1 message', () => ids.every((id) => got.includes(id)));
  t.same(
    ids.filter((id) => !got.includes(id)),
    [],
    'every event arrived',
  );
});

t.test("NATS servers: the cluster's other servers are tried when the URL's does not answer", async (t) => {
  if (!(await brokerUp(t, 'NATS', 4222))) return;
  const tenant = `natsc-${randomBytes(3).toString('hex')}`;
  const { app, h } = await gateway(t, tenant);
  const nc = await natsConnect({ servers: '127.0.0.1:4222' });
  t.teardown(() => nc.close());
  const jsm = await jetstreamManager(nc);
  const stream = `S3GATE_${tenant.replace(/-/g, '_')}`;
  await jsm.streams.add({ name: stream, subjects: [`s3gate.${tenant}.>`] });
  t.teardown(() => jsm.streams.delete(stream).catch(() => {}));
  // Port 1 on loopback: nothing listens there.
  await subscribe(t, app, h, { url: 'nats://127.0.0.1:1', destination: { servers: ['127.0.0.1:4222'] } });
  for (let i = 0; i < 20; i++) await app.inject({ method: 'PUT', url: `/v1/buckets/events/objects/c${i}`, headers: h, payload: 'x' });
  let stored = 0;
  await until('20 messages in the stream', () => {
    void jsm.streams.info(stream).then((i) => (stored = i.state.messages));
    return stored >= 20;
  });
  t.equal(stored, 20, 'every event, through the second server');
});
