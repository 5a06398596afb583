import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook as Verifier } from 'standardwebhooks';
import t from 'tap';
import { bearer, createTenant, tempDir, testApp } from '../helpers/app.js';
import { fill } from '../../src/model/destination.js';
import { brokerUp } from '../helpers/brokers.js';
import { receiver } from '../helpers/receiver.js';

/** What a subscription to a broker accepts, refuses and answers: the attacker's and the typo's view. */

const config = (allowPrivate: boolean) => ({
  webhooks: {
    allowPrivate,
    timeoutMs: 2000,
    retrySchedule: [100],
    disableAfterMs: 600_000,
    concurrency: 16,
    endpointConcurrency: 2,
    pollMs: 50,
    retentionMs: 3_600_000,
    deliveryRetentionMs: 3_600_000,
    retentionIntervalMs: 3_600_000,
  },
});

t.test('broker addresses pass the same SSRF rules as webhook URLs', async (t) => {
  const app = await testApp(t, { config: config(false) });
  const h = bearer(await createTenant(app, { id: 'ssrf-brokers', driver: 'disk' }));
  const servers = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: h, payload: { url: 'nats://8.8.8.8:4222', events: ['*'], destination: { servers: ['10.1.2.3:4222'] } } });
  t.equal(servers.json().code, 'S3GATE_INVALID_WEBHOOK_URL', "a NATS cluster's other servers pass the same rules");
  for (const url of ['amqp://guest:hunter2@127.0.0.1:5672/', 'redis://localhost:6379', 'nats://10.0.0.1:4222', 'mqtt://[::1]:1883', 'rediss://169.254.169.254:6379', 'tls://192.168.1.1:4222']) {
    const res = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: h, payload: { url, events: ['*'] } });
    t.equal(res.statusCode, 400, url);
    t.equal(res.json().code, 'S3GATE_INVALID_WEBHOOK_URL', url);
    t.notMatch(res.body, 'hunter2', 'the refusal does not repeat the password');
  }
});

t.test('settings are checked against the kind; a mistake is a 400 that names it', async (t) => {
  const app = await testApp(t, { config: config(true) });
  const h = bearer(await createTenant(app, { id: 'dest-settings', driver: 'disk' }));
  const create = (payload: Record<string, unknown>) => app.inject({ method: 'POST', url: '/v1/webhooks', headers: h, payload: { events: ['*'], ...payload } });
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ url: 'kafka://127.0.0.1:9092' }, /only http, https, amqp, amqps, nats, tls, mqtt, mqtts, redis, rediss URLs/],
    [{ url: 'amqp://127.0.0.1', destination: { topic: 'x' } }, /destination\.topic is not a setting of a amqp destination/],
    [{ url: 'redis://127.0.0.1', destination: { token: 'x' } }, /destination\.token is not a setting of a redis destination/],
    [{ url: 'http://127.0.0.1/x', destination: { exchange: 'x' } }, /destination\.exchange is not a setting of a webhook destination/],
    [{ url: 'amqp://127.0.0.1', destination: { routingKey: '{bucket}.{size}' } }, /\{size\} is not a template field/],
    [{ url: 'nats://127.0.0.1', destination: { subject: 's3.*.{bucket}' } }, /no spaces and no wildcards/],
    [{ url: 'mqtt://127.0.0.1', destination: { topic: 's3/#' } }, /no wildcards \(\+ or #\)/],
    [{ url: 'mqtt://127.0.0.1', destination: { mqttVersion: 3 } }, /mqttVersion/],
    [{ url: 'redis://127.0.0.1', destination: { stream: 'a\u0000{key}' } }, /destination\.stream: a control character/],
    [{ url: 'nats://127.0.0.1', destination: { subject: 'a\u0001.{key}' } }, /destination\.subject: a control character/],
    [{ url: 'nats://127.0.0.1', destination: { servers: ['nats://x:1'] } }, /destination\.servers: 'nats:\/\/x:1' is not host:port/],
    [{ url: 'amqp://127.0.0.1', destination: { servers: ['x:1'] } }, /destination\.servers is not a setting of a amqp destination/],
    [{ url: 'redis://127.0.0.1', kind: 'amqp' }, /kind 'amqp' does not match the URL/],
    [{ url: 'http://user:pw@127.0.0.1/x' }, /a webhook URL carries no password/],
    [{ url: 'amqp://127.0.0.1', format: 'avro' }, /format/],
  ];
  for (const [payload, message] of cases) {
    const res = await create(payload);
    t.equal(res.statusCode, 400, JSON.stringify(payload));
    t.match(res.json().message, message, JSON.stringify(payload));
  }
});

t.test('a password is sealed at rest and never answered; one left out of a change is kept', async (t) => {
  if (!(await brokerUp(t, 'RabbitMQ', 5672))) return;
  const dataDir = tempDir(t);
  const app = await testApp(t, { config: config(true), dataDir });
  const h = bearer(await createTenant(app, { id: 'dest-secrets', driver: 'disk' }));
  const res = await app.inject({
    method: 'POST',
    url: '/v1/webhooks',
    headers: h,
    payload: { url: 'amqp://guest:guest@127.0.0.1:5672/', events: ['*'], destination: { routingKey: 'nowhere.{bucket}' } },
  });
  t.equal(res.statusCode, 201);
  const { id } = res.json();
  t.equal(res.json().url, 'amqp://guest@127.0.0.1:5672/', 'the user is answered, not the password');
  const test = async () => (await app.inject({ method: 'POST', url: `/v1/webhooks/${id}/test`, headers: h })).json() as { ok: boolean; error: string | null };
  // Logged in (guest:guest): the broker took the message and returned it, as nothing is bound to the key.
  t.match(await test(), { ok: false, error: /no queue is bound to exchange 'amq\.topic' for routing key 'nowhere\.'/ }, 'connected with the sealed password');
  const patched = await app.inject({ method: 'PATCH', url: `/v1/webhooks/${id}`, headers: h, payload: { url: 'amqp://guest@127.0.0.1:5672/', destination: { routingKey: 'still-nowhere' } } });
  t.equal(patched.statusCode, 200);
  t.match(patched.json(), { destination: { routingKey: 'still-nowhere' } });
  t.match(await test(), { ok: false, error: /routing key 'still-nowhere'/ }, 'a change without a password keeps the one sealed');
  await app.inject({ method: 'PATCH', url: `/v1/webhooks/${id}`, headers: h, payload: { destination: { password: 'not-guests-password' } } });
  const refused = await test();
  t.match(refused, { ok: false, error: /ACCESS_REFUSED|403|auth/i }, 'a new password replaces it');
  t.notMatch(JSON.stringify(refused), 'not-guests-password');
  for (const res of [await app.inject({ method: 'GET', url: '/v1/webhooks', headers: h }), await app.inject({ method: 'GET', url: `/v1/webhooks/${id}`, headers: h })]) {
    t.notMatch(res.body, 'not-guests-password');
    t.notMatch(res.body, 'guest:guest');
  }
  await app.close();
  const stored = readdirSync(dataDir)
    .filter((f) => f.startsWith('s3gate.sqlite'))
    .map((f) => readFileSync(join(dataDir, f)).toString('latin1'))
    .join('');
  t.ok(stored.length > 0, 'the state was read');
  t.notOk(stored.includes('not-guests-password'), 'the password is not in the state in plain text');
});

t.test('format cloudevents on a webhook: binary mode, ce-* headers, the event as the signed body', async (t) => {
  const app = await testApp(t, { config: config(true) });
  const h = bearer(await createTenant(app, { id: 'ce-hook', driver: 'disk' }));
  await app.inject({ method: 'PUT', url: '/v1/buckets/ce-events', headers: h });
  const rx = await receiver(t);
  const sub = (await app.inject({ method: 'POST', url: '/v1/webhooks', headers: h, payload: { url: rx.url, events: ['*'], format: 'cloudevents' } })).json();
  await app.inject({ method: 'PUT', url: `/v1/buckets/ce-events/objects/${encodeURIComponent('dir/ünï "q".txt')}`, headers: h, payload: 'x' });
  for (let i = 0; i < 200 && rx.received.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  const r = rx.received[0];
  const event = new Verifier(sub.secret).verify(r.body, r.headers as Record<string, string>) as { id: string };
  t.match(r.headers, {
    'ce-specversion': '1.0',
    'ce-id': event.id,
    'ce-type': 'com.amazonaws.s3.ObjectCreated:Put',
    'ce-source': 's3gate:s3.ce-hook.ce-events',
    'ce-subject': 'dir/%C3%BCn%C3%AF%20%22q%22.txt',
    'content-type': 'application/json',
  });
  t.match(event, { type: 's3:ObjectCreated:Put', data: { key: 'dir/ünï "q".txt' } }, 'the body is the event');
  t.equal(decodeURIComponent(r.headers['ce-subject'] as string), 'dir/ünï "q".txt', 'the subject decodes to the key');
});

t.test('GraphQL: createWebhook with a broker, its kind and settings answered, never its password', async (t) => {
  const app = await testApp(t, { config: config(true) });
  const h = bearer(await createTenant(app, { id: 'dest-gql', driver: 'disk' }));
  const gql = async (query: string, variables: Record<string, unknown>) =>
    (await app.inject({ method: 'POST', url: '/graphql', headers: { ...h, 'content-type': 'application/json' }, payload: { query, variables } })).json() as {
      data: Record<string, any> | null;
      errors?: { message: string; extensions: { code: string } }[];
    };
  const created = await gql('mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { secret webhook { id kind url format destination { routingKey exchange username } } } }', {
    i: { url: 'amqp://app:s3cr3t@127.0.0.1:5672/', events: ['s3:ObjectCreated:*'], format: 'cloudevents', destination: { routingKey: 'x.{bucket}' } },
  });
  t.match(created.data?.createWebhook, {
    secret: /^whsec_/,
    webhook: { kind: 'amqp', url: 'amqp://app@127.0.0.1:5672/', format: 'cloudevents', destination: { routingKey: 'x.{bucket}', exchange: null } },
  });
  t.notMatch(JSON.stringify(created), 's3cr3t');
  const refused = await gql('mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { secret } }', { i: { url: 'nats://127.0.0.1:4222', events: ['*'], destination: { topic: 'x' } } });
  t.match(refused.errors?.[0], { message: /destination\.topic is not a setting of a nats destination/, extensions: { code: 'S3GATE_VALIDATION' } });
});

t.test("what an event puts in a template is made safe for the kind's protocol", async (t) => {
  const event = (key: string) => ({
    id: 'evt_x',
    type: 's3:ObjectCreated:Put' as const,
    timestamp: '',
    data: { tenant: 't', bucket: 'b', key, size: 1, etag: null, versionId: null, sequencer: null, source: 'gateway' as const },
  });
  t.equal(fill('s3.{bucket}.{key}', 'nats', event('a.b c*\u0001>\r\n')), 's3.b.a_b_c_____', 'NATS: no dot, space, wildcard or control character from the key');
  t.equal(fill('s3.{key}', 'nats', event('')), 's3._', 'NATS: no empty token');
  t.equal(fill('s3/{key}', 'mqtt', event('a/+/#\u0000')), 's3/a/_/__', 'MQTT: no wildcard or NUL');
  const cut = fill('{key}', 'amqp', event('é'.repeat(300)));
  t.equal(Buffer.byteLength(cut), 254, 'AMQP: at most 255 bytes…');
  t.equal(cut, 'é'.repeat(127), '…cut between characters');
  t.equal(fill('{eventName}:{type}', 'redis', event('k')), 'ObjectCreated:Put:s3:ObjectCreated:Put');
});
