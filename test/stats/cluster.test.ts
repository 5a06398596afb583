import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import t from 'tap';
import { admin, createTenant, listen, testApp } from '../helpers/app.js';

const REDIS_URL = process.env.S3GATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Two gateways sharing one Redis, each on its own state store with the same tenant id. */
async function twoGateways(t: Parameters<typeof testApp>[0], prefix: string) {
  const env = { REDIS_URL, S3GATE_STATS_REDIS_PREFIX: prefix };
  const apps = [await testApp(t, { env }), await testApp(t, { env })];
  const sides = [];
  for (const app of apps) sides.push({ app, base: await listen(app), key: await createTenant(app, { id: 'shared', driver: 'disk' }), other: await createTenant(app, { id: 'solo', driver: 'disk' }) });
  return sides;
}

t.test('with REDIS_URL, /v1/stats and /admin/stats add up every process, and say so', async (t) => {
  const prefix = `s3gate-test:${randomBytes(6).toString('hex')}:`;
  const redis = new Redis(REDIS_URL);
  t.teardown(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });
  const [a, b] = await twoGateways(t, prefix);
  const put = (side: typeof a, key: string, path: string, body?: string) => fetch(side.base + path, { method: 'PUT', headers: { authorization: `Bearer ${key}` }, body });
  t.equal((await put(a, a.key, '/v1/buckets/one')).status, 201);
  for (let i = 0; i < 3; i++) t.equal((await put(a, a.key, `/v1/buckets/one/objects/a${i}`, 'x'.repeat(500))).status, 201);
  t.equal((await put(b, b.key, '/v1/buckets/two')).status, 201);
  for (let i = 0; i < 5; i++) t.equal((await put(b, b.key, `/v1/buckets/two/objects/b${i}`, 'x'.repeat(500))).status, 201);
  t.equal((await fetch(`${b.base}/v1/buckets/two/objects/nope`, { headers: { authorization: `Bearer ${b.key}` } })).status, 404);
  t.equal((await fetch(`${b.base}/v1/buckets`, { headers: { authorization: `Bearer ${b.other}` } })).status, 200);
  // B's figures reach Redis with its next send (every 2 s); A's own are sent before it answers.
  await new Promise((r) => setTimeout(r, 2500));

  const stats = await (await fetch(`${a.base}/v1/stats?window=10m`, { headers: { authorization: `Bearer ${a.key}` } })).json();
  t.equal(stats.scope, 'cluster');
  t.same(stats.totals.requests.rest, { '2xx': 10, '3xx': 0, '4xx': 1, '5xx': 0 }, "both processes' requests of the tenant");
  t.equal(stats.totals.events, 8, 'and their events');
  t.ok(stats.totals.bytesIn >= 8 * 500);
  t.equal(stats.points.length, 60);
  const hour = await (await fetch(`${a.base}/v1/stats?window=1h`, { headers: { authorization: `Bearer ${a.key}` } })).json();
  t.equal(hour.points.length, 60, 'a point a minute');
  t.equal(hour.totals.requests.rest['2xx'], 10 + 1, 'six 10 s steps folded into each minute (and the 10m read counted since)');
  t.ok(hour.totals.latencyMs.p99 > 0);

  const ranked = await (await fetch(`${b.base}/admin/stats?window=10m`, { headers: admin })).json();
  t.equal(ranked.scope, 'cluster');
  t.same(
    ranked.tenants.map((r: { tenant: string; requests: number }) => [r.tenant, r.requests]),
    [
      ['shared', 12],
      ['solo', 1],
    ],
    'ranked over both processes (the two stats reads of A included)',
  );
  const byErrors = await (await fetch(`${b.base}/admin/stats?window=1h&sort=errors&limit=1`, { headers: admin })).json();
  t.same(
    byErrors.tenants.map((r: { tenant: string; errors: number }) => [r.tenant, r.errors]),
    [['shared', 1]],
  );
  t.ok(ranked.totals.requests.rest['2xx'] >= 12, 'the gateway series is shared too');
  t.ok((await redis.ttl((await redis.keys(`${prefix}t:shared:*`))[0])) > 3600, 'steps expire after the hour they serve');
});

t.test("when Redis does not answer, the answer is the process's own figures, saying so", async (t) => {
  const app = await testApp(t, { env: { REDIS_URL: 'redis://127.0.0.1:1' } });
  const base = await listen(app);
  const key = await createTenant(app, { id: 'alone', driver: 'disk' });
  t.equal((await fetch(`${base}/v1/buckets`, { headers: { authorization: `Bearer ${key}` } })).status, 200);
  const res = await fetch(`${base}/v1/stats?window=10m`, { headers: { authorization: `Bearer ${key}` } });
  t.equal(res.status, 200, 'not a 5xx');
  const body = await res.json();
  t.equal(body.scope, 'process');
  t.equal(body.totals.requests.rest['2xx'], 1);
  t.equal((await fetch(`${base}/admin/stats`, { headers: admin })).status, 200);
});
