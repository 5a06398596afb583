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
  t.same(
    [...ids].filter((id) => !got.has(id)),
    [],
    'none lost',
  );
});

t.test('two processes on one PostgreSQL database share deliveries: none lost, none sent twice', async (t) => {
  const databaseUrl = await tempPgDatabase(t);
  const config = {
    databaseUrl,
    masterKey,
    webhooks: {
      allowPrivate: true,
      timeoutMs: 1000,
      retrySchedule: [100, 100, 100],
      disableAfterMs: 60_000,
      concurrency: 8,
      endpointConcurrency: 4,
      pollMs: 20,
      retentionMs: 86_400_000,
      deliveryRetentionMs: 86_400_000,
      retentionIntervalMs: 3_600_000,
    },
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

t.test('work claimed ahead for a fast endpoint that turns slow is not sent after its lease: each event arrives once', async (t) => {
  // A fast endpoint's subscription is claimed deep (many deliveries per claim); when the endpoint turns
  // slow, part of that work can no longer start before its lease runs out. The other process may claim
  // it then, so this one must not send it: it is left to whoever claims it next.
  const databaseUrl = await tempPgDatabase(t);
  const timeoutMs = 300;
  const config = {
    databaseUrl,
    masterKey,
    webhooks: {
      allowPrivate: true,
      timeoutMs,
      retrySchedule: [100, 100, 100],
      disableAfterMs: 60_000,
      concurrency: 8,
      endpointConcurrency: 1,
      pollMs: 20,
      retentionMs: 86_400_000,
      deliveryRetentionMs: 86_400_000,
      retentionIntervalMs: 3_600_000,
    },
  };
  const a = await testApp(t, { config });
  const _b = await testApp(t, { config });
  // Fast for the first 20 requests, then 250 ms each (an answer within the timeout: a success).
  const rx = await receiver(t, (n) => ({ status: 200, delayMs: n <= 20 ? 0 : 250 }));
  const created = await a.inject({ method: 'POST', url: '/admin/tenants', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { id: 'lapse', driver: 'disk' } });
  const key = created.json().apiKey;
  await a.inject({ method: 'POST', url: '/v1/webhooks', headers: bearer(key), payload: { url: rx.url, events: ['s3:ObjectCreated:*'] } });
  await a.inject({ method: 'PUT', url: '/v1/buckets/lapse', headers: bearer(key) });
  let mostClaimed = 0;
  const watch = setInterval(() => {
    void a.db.kysely
      .selectFrom('deliveries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', 'in', ['pending', 'failed'])
      .where('locked_until', '>', new Date().toISOString())
      .executeTakeFirst()
      .then(
        (r) => (mostClaimed = Math.max(mostClaimed, Number(r?.n ?? 0))),
        () => {},
      );
  }, 25);
  t.teardown(() => clearInterval(watch));
  // 20 events at the fast endpoint's pace, then 40 recorded at once (as one batch delete records them):
  // claimed deep, since the endpoint has been fast.
  for (let i = 0; i < 20; i++) t.equal((await a.inject({ method: 'PUT', url: `/v1/buckets/lapse/objects/k${i}`, headers: bearer(key), payload: 'x' })).statusCode, 201);
  await until(() => rx.received.length >= 20, 30_000, 'the first 20 events');
  await a.services.events.record(
    'lapse',
    Array.from({ length: 40 }, (_, i) => ({ type: 's3:ObjectCreated:Put' as const, bucket: 'lapse', key: `b${i}`, size: 1, etag: 'e', source: 'gateway' as const })),
  );
  await until(() => new Set(rx.received.map((r) => r.headers['webhook-id'])).size >= 60, 60_000, 'all 60 events');
  clearInterval(watch);
  // Two processes, one slot each, 250 ms per delivery: had they claimed 4 rounds at a time (the least),
  // at most 2 × 4 would have been claimed at once, and no claim would have outlived its lease.
  t.ok(mostClaimed > 8, `work was claimed ahead, beyond the least (${mostClaimed} deliveries claimed at once)`);
  await new Promise((r) => setTimeout(r, 1000));
  const ids = rx.received.map((r) => String(r.headers['webhook-id']));
  t.equal(new Set(ids).size, 60, '60 distinct events');
  t.equal(ids.length, 60, 'exactly 60 requests: none was sent by both processes');
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
    config: {
      databaseUrl,
      masterKey,
      webhooks: {
        allowPrivate: true,
        timeoutMs: 1000,
        retrySchedule: [100],
        disableAfterMs: 60_000,
        concurrency: 8,
        endpointConcurrency: 4,
        pollMs: 50,
        retentionMs: 86_400_000,
        deliveryRetentionMs: 86_400_000,
        retentionIntervalMs: 3_600_000,
      },
    },
  });
  await until(
    async () => {
      const d = await survivor.db.kysely.selectFrom('deliveries').select('status').executeTakeFirst();
      return d?.status === 'delivered';
    },
    30_000,
    'the survivor to deliver once the dead claim lapsed',
  );
  t.equal(rx.received.length, 2, 'the hung attempt, then the survivor');
  t.equal(rx.received[0].headers['webhook-id'], rx.received[1].headers['webhook-id']);
});
