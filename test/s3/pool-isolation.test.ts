import t from 'tap';
import { admin, bearer, createTenant, testApp } from '../helpers/app.js';
import { rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';
import { stallingEndpoint, until } from '../helpers/stall.js';

t.test('a tenant whose S3 endpoint stalls fills only its own pool; another tenant keeps working', async (t) => {
  const app = await testApp(t);
  const stall = await stallingEndpoint(t);
  const slowKey = await createTenant(app, {
    id: 'slow',
    s3: rgwSettings(rgwUser('slow'), stall.url),
    pool: { maxSockets: 2, maxQueue: 2, connectTimeoutMs: 2000, requestTimeoutMs: 60000 },
  });
  const fastKey = await createTenant(app, { id: 'fast', s3: rgwSettings(rgwUser('fast')), pool: { maxSockets: 4, maxQueue: 100 } });
  const bucket = uniqueBucket('fast');
  await app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}`, headers: bearer(fastKey) });
  await app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}/objects/k`, headers: bearer(fastKey), payload: 'fast data' });

  const fastGet = async () => {
    const start = performance.now();
    const res = await app.inject({ method: 'GET', url: `/v1/buckets/${bucket}/objects/k`, headers: bearer(fastKey) });
    return { status: res.statusCode, body: res.body, ms: performance.now() - start };
  };
  const baseline = [];
  for (let i = 0; i < 20; i++) baseline.push((await fastGet()).ms);

  // Four requests fill the slow tenant's 2 sockets and its queue of 2; none of them can finish.
  let slowSettled = 0;
  const slow = Array.from({ length: 4 }, () => app.inject({ method: 'GET', url: '/v1/buckets', headers: bearer(slowKey) }).finally(() => slowSettled++));
  await until(() => stall.connections() >= 2, 10_000, 'the slow tenant to hold its sockets');
  const pool = (await app.inject({ method: 'GET', url: '/admin/tenants/slow/pool', headers: admin })).json();
  t.equal(pool.inFlight, 4, 'four requests admitted');
  t.equal(pool.sockets.inUse, 2, 'both sockets in use');
  t.equal(pool.sockets.queued, 2, 'two waiting in the agent');

  const rejected = await app.inject({ method: 'GET', url: '/v1/buckets', headers: bearer(slowKey) });
  t.equal(rejected.statusCode, 503, 'the fifth request of the slow tenant is refused');
  t.equal(rejected.json().code, 'S3GATE_TENANT_BUSY');
  t.equal(rejected.headers['retry-after'], '1');

  const during = [];
  for (let i = 0; i < 20; i++) {
    const r = await fastGet();
    t.equal(r.status, 200);
    t.equal(r.body, 'fast data');
    during.push(r.ms);
  }
  t.equal(slowSettled, 0, 'the fast tenant finished 20 requests while every slow request was still stuck');
  const p50 = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)].toFixed(1);
  t.comment(`fast tenant GET p50: ${p50(baseline)} ms before, ${p50(during)} ms while the slow tenant is stalled`);
  const fastPool = (await app.inject({ method: 'GET', url: '/admin/tenants/fast/pool', headers: admin })).json();
  t.equal(fastPool.inFlight, 0);

  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  t.match(metrics, /s3gate_pool_in_flight\{tenant="slow"\} 4/);
  t.match(metrics, /s3gate_pool_sockets\{tenant="slow",state="in_use"\} 2/);
  t.match(metrics, /s3gate_pool_rejected_total\{tenant="slow"\} 1/);
  t.match(metrics, /s3gate_s3_requests_total\{tenant="fast",operation="GetObjectCommand",status="200"\} \d+/);
  t.match(metrics, /s3gate_s3_request_seconds_total\{tenant="fast"\} \d/);
  t.match(metrics, /s3gate_s3_request_duration_seconds_bucket\{le="0.005",operation="GetObjectCommand",status="200"\} \d+/);
  t.notMatch(metrics, /s3gate_s3_request_duration_seconds_bucket\{[^}]*tenant=/, 'latency buckets are not per tenant');

  // When the endpoint goes away, the stuck requests fail with a gateway error, not a hang or a 500.
  await stall.close();
  const results = await Promise.all(slow);
  for (const r of results) t.equal(r.statusCode, 502, `stuck request ended: ${r.json().code}`);
  await until(async () => (await app.inject({ method: 'GET', url: '/admin/tenants/slow/pool', headers: admin })).json().inFlight === 0, 10_000, 'the slow pool to drain');
});
