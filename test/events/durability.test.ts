import { join } from 'node:path';
import t from 'tap';
import { ADMIN_TOKEN, bearer, tempDir, tempPgDatabase, testApp } from '../helpers/app.js';
import { apiKey, gatewayProcess, masterKey } from '../helpers/process.js';
import { receiver } from '../helpers/receiver.js';
import { until } from '../helpers/stall.js';

t.test('kill -9 with deliveries pending loses no event; the next start delivers them', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  const rx = await receiver(t, () => ({ status: 503 }));
  const first = await gatewayProcess(t, dataDir);
  const h = { ...bearer(apiKey), 'content-type': 'application/json' };
  await fetch(`${first.base}/v1/webhooks`, { method: 'POST', headers: h, body: JSON.stringify({ url: rx.url, events: ['s3:ObjectCreated:*'] }) });
  await fetch(`${first.base}/v1/buckets/durable`, { method: 'PUT', headers: bearer(apiKey) });
  const ids = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const res = await fetch(`${first.base}/v1/buckets/durable/objects/k${i}`, { method: 'PUT', headers: bearer(apiKey), body: `v${i}` });
    t.equal(res.status, 201);
  }
  const log = (await (await fetch(`${first.base}/v1/events?limit=100`, { headers: bearer(apiKey) })).json()) as { events: { id: string }[] };
  for (const e of log.events) ids.add(e.id);
  t.equal(ids.size, 20, 'every acknowledged write has its event');
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));

  rx.setBehaviour(() => ({ status: 200 }));
  await gatewayProcess(t, dataDir);
  await until(() => new Set(rx.received.filter((r) => r.headers['webhook-id']).map((r) => r.headers['webhook-id'])).size >= 20, 30_000, 'all 20 events after the restart');
  const got = new Set(rx.received.map((r) => String(r.headers['webhook-id'])));
  t.same([...ids].filter((id) => !got.has(id)), [], 'none lost');
});

t.test('two processes on one PostgreSQL database share deliveries: none lost, none sent twice', async (t) => {
  const databaseUrl = await tempPgDatabase(t);
  const config = {
    databaseUrl,
    masterKey,
    webhooks: { allowPrivate: true, timeoutMs: 1000, retrySchedule: [100, 100, 100], disableAfterMs: 60_000, concurrency: 8, endpointConcurrency: 4, pollMs: 20, retentionMs: 86_400_000, deliveryRetentionMs: 86_400_000, retentionIntervalMs: 3_600_000 },
  };
  const a = await testApp(t, { config });
  const b = await testApp(t, { config });
  const rx = await receiver(t, () => ({ status: 200, delayMs: 5 }));
  const created = await a.inject({ method: 'POST', url: '/admin/tenants', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { id: 'pg', driver: 'disk' } });
  const key = created.json().apiKey;
  await a.inject({ method: 'POST', url: '/v1/webhooks', headers: bearer(key), payload: { url: rx.url, events: ['s3:ObjectCreated:*'] } });
  // The disk driver is local to each process: the bucket exists on both.
  for (const app of [a, b]) await app.inject({ method: 'PUT', url: '/v1/buckets/shared', headers: bearer(key) });
  const writes = [];
  for (let i = 0; i < 100; i++) writes.push((i % 2 ? a : b).inject({ method: 'PUT', url: `/v1/buckets/shared/objects/k${i}`, headers: bearer(key), payload: String(i) }));
  for (const res of await Promise.all(writes)) t.equal(res.statusCode, 201);
  await until(() => rx.received.length >= 100, 30_000, '100 deliveries');

  await new Promise((r) => setTimeout(r, 500));
  const ids = rx.received.map((r) => String(r.headers['webhook-id']));
  t.equal(ids.length, 100, 'exactly 100 requests: no delivery was sent twice');
  t.equal(new Set(ids).size, 100, '100 distinct events');
});

t.test('a process that dies mid-delivery has its claim picked up by another', async (t) => {
  const dataDir = join(tempDir(t), 'data');
  const databaseUrl = await tempPgDatabase(t);
  // The first requests hang (the dying process is waiting for them); later ones succeed.
  let hang = true;
  const rx = await receiver(t, () => (hang ? { status: 200, delayMs: 60_000 } : { status: 200 }));
  const dying = await gatewayProcess(t, dataDir, { DATABASE_URL: databaseUrl, S3GATE_WEBHOOK_TIMEOUT_MS: '1000' });
  const h = { ...bearer(apiKey), 'content-type': 'application/json' };
  await fetch(`${dying.base}/v1/webhooks`, { method: 'POST', headers: h, body: JSON.stringify({ url: rx.url, events: ['s3:ObjectCreated:*'] }) });
  await fetch(`${dying.base}/v1/buckets/claimed`, { method: 'PUT', headers: bearer(apiKey) });
  t.equal((await fetch(`${dying.base}/v1/buckets/claimed/objects/k`, { method: 'PUT', headers: bearer(apiKey), body: 'x' })).status, 201);
  await until(() => rx.received.length >= 1, 10_000, 'the first attempt to be in flight');
  dying.child.kill('SIGKILL');
  hang = false;
  const survivor = await testApp(t, {
    config: { databaseUrl, masterKey, webhooks: { allowPrivate: true, timeoutMs: 1000, retrySchedule: [100], disableAfterMs: 60_000, concurrency: 8, endpointConcurrency: 4, pollMs: 50, retentionMs: 86_400_000, deliveryRetentionMs: 86_400_000, retentionIntervalMs: 3_600_000 } },
  });
  await until(async () => {
    const d = await survivor.db.kysely.selectFrom('deliveries').select('status').executeTakeFirst();
    return d?.status === 'delivered';
  }, 30_000, 'the survivor to deliver once the dead claim lapsed');
  t.equal(rx.received.length, 2, 'the hung attempt, then the survivor');
  t.equal(rx.received[0].headers['webhook-id'], rx.received[1].headers['webhook-id']);
});
