import { ListBucketsCommand } from '@aws-sdk/client-s3';
import t from 'tap';
import { ADMIN_TOKEN, admin, createTenant, listen, testApp } from '../helpers/app.js';
import { doorTenant, doorUrl, sdk } from '../helpers/door.js';
import { receiver } from '../helpers/receiver.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until check() passes (a request is counted once its answer has been sent, a moment after the client has it). */
async function until<T>(get: () => Promise<T>, check: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (check(v) || Date.now() > end) return v;
    await sleep(50);
  }
}

t.test('GET /v1/stats and /admin/stats count what each tenant did, by face, from real traffic', async (t) => {
  const app = await testApp(t, { env: { S3GATE_WEBHOOK_ALLOW_PRIVATE: 'true', S3GATE_WEBHOOK_POLL_MS: '50', S3GATE_WEBHOOK_RETRY_SCHEDULE: '0.05,0.05' } });
  const base = await listen(app);
  const { apiKey: busy, key } = await doorTenant(app, 'busy', 'disk');
  const quiet = await createTenant(app, { id: 'quiet', driver: 'disk', limits: { requestsPerSecond: 1, burst: 2 } });
  const call = (apiKey: string | undefined, path: string, init: RequestInit = {}) =>
    fetch(base + path, { ...init, headers: { ...(apiKey && { authorization: `Bearer ${apiKey}` }), ...(init.headers as Record<string, string>) } });
  // The receiver fails the first delivery and takes the rest: one retry.
  const rx = await receiver(t, (n) => ({ status: n === 1 ? 500 : 204 }));

  t.equal((await call(busy, '/v1/webhooks', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: rx.url, events: ['s3:ObjectCreated:*'] }) })).status, 201);
  const hookId = (await (await call(busy, '/v1/webhooks')).json()).webhooks[0].id as string;
  t.equal((await call(busy, '/v1/buckets/stats-b', { method: 'PUT' })).status, 201);
  for (const name of ['a', 'b', 'c']) t.equal((await call(busy, `/v1/buckets/stats-b/objects/${name}`, { method: 'PUT', body: 'x'.repeat(1000) })).status, 201);
  t.equal((await call(busy, '/v1/buckets/stats-b/objects/missing')).status, 404);
  const gql = await call(busy, '/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ buckets { name } }' }) });
  t.equal(gql.status, 200);
  const door = sdk(await doorUrl(app), key);
  t.teardown(() => door.destroy());
  t.equal((await door.send(new ListBucketsCommand({}))).Buckets?.length, 1);
  // The quiet tenant: five requests at once past a burst of 2 are refused with 429.
  const statuses = await Promise.all([1, 2, 3, 4, 5].map(() => call(quiet, '/v1/buckets').then((r) => r.status)));
  const refused = statuses.filter((s) => s === 429).length;
  t.ok(refused >= 2, `${refused} refused by the rate limit`);

  const stats = (apiKey: string, path = '/v1/stats?window=10m') => call(apiKey, path).then(async (r) => ({ status: r.status, body: await r.json() }));
  let polls = 0;
  const mine = await until(
    () => (polls++, stats(busy)),
    (s) => s.body.totals?.deliveries.succeeded === 3 && s.body.totals.requests.s3['2xx'] === 1,
  );
  t.equal(mine.status, 200);
  const { totals } = mine.body;
  t.equal(mine.body.scope, 'process');
  t.equal(mine.body.stepSeconds, 10);
  t.equal(mine.body.points.length, 60, 'a point every 10 s for 10 minutes');
  // REST: the webhook made and listed, the bucket, three PUTs (2xx) and the missing object (4xx), and the
  // stats calls before this one (a call is counted once it has answered).
  t.same(totals.requests.rest, { '2xx': 6 + polls - 1, '3xx': 0, '4xx': 1, '5xx': 0 });
  t.same(totals.requests.graphql, { '2xx': 1, '3xx': 0, '4xx': 0, '5xx': 0 });
  t.same(totals.requests.s3, { '2xx': 1, '3xx': 0, '4xx': 0, '5xx': 0 }, 'the S3 door is a face of its own');
  t.ok(totals.bytesIn >= 3000, `bytes in ${totals.bytesIn}: the three bodies and the headers`);
  t.ok(totals.bytesOut > 0);
  t.ok(totals.latencyMs.p50 > 0 && totals.latencyMs.p99 >= totals.latencyMs.p50, 'latency percentiles');
  t.equal(totals.events, 3, 'three events recorded');
  t.same(totals.deliveries, { succeeded: 3, failed: 1 }, 'three delivered, one attempt failed first');
  t.ok(totals.deliveryLatencyMs.p99 >= totals.deliveryLatencyMs.p50);
  t.equal(totals.rateLimited, 0);
  t.equal(mine.body.pendingDeliveries, 0);
  const sum = mine.body.points.reduce((n: number, p: { requests: { rest: { '2xx': number } } }) => n + p.requests.rest['2xx'], 0);
  t.equal(sum, totals.requests.rest['2xx'], 'the points add up to the totals');

  const hook = await stats(busy, `/v1/webhooks/${hookId}/stats?window=1h`);
  t.equal(hook.status, 200);
  t.equal(hook.body.stepSeconds, 60);
  t.same([hook.body.totals.succeeded, hook.body.totals.failed], [3, 1], "the subscription's own outcomes");
  t.ok(hook.body.totals.attemptMs.p50 > 0);

  await sleep(2100); // the quiet tenant's bucket refills
  const theirs = await stats(quiet);
  t.equal(theirs.status, 200);
  t.equal(theirs.body.totals.rateLimited, refused, 'its refusals');
  t.equal(theirs.body.totals.requests.rest['4xx'], refused, 'and its 429s');
  t.same([theirs.body.totals.events, theirs.body.totals.requests.s3['2xx'], theirs.body.totals.requests.graphql['2xx']], [0, 0, 0], "none of the busy tenant's figures");
  t.equal((await stats(quiet, `/v1/webhooks/${hookId}/stats`)).status, 404, "another tenant's subscription is not found");

  const adminStats = (query: string) => fetch(`${base}/admin/stats${query}`, { headers: admin }).then(async (r) => ({ status: r.status, body: await r.json() }));
  const byRequests = await adminStats('?window=10m');
  t.equal(byRequests.status, 200);
  t.same(
    byRequests.body.tenants.map((r: { tenant: string }) => r.tenant),
    ['busy', 'quiet'],
    'the busy tenant ranks first',
  );
  t.ok(byRequests.body.totals.requests.rest['2xx'] >= 6 + 2, 'the gateway counts every request');
  t.equal(byRequests.body.totals.deliveries.succeeded, 3);
  t.same(byRequests.body.tracked, { tenants: 2, webhooks: 1, limit: 1000, evicted: 0 });
  t.equal(byRequests.body.liveTenants.length, 60);
  const byErrors = await adminStats('?window=10m&sort=errors&limit=1');
  t.same(
    byErrors.body.tenants.map((r: { tenant: string; errors: number }) => [r.tenant, r.errors]),
    [['quiet', refused + 1]],
    'by errors the rate-limited tenant is first (its 429s and the 404)',
  );

  t.equal((await call(undefined, '/v1/stats')).status, 401, 'no key');
  t.equal((await call(busy, '/admin/stats')).status, 401, 'an API key is not the admin token');
  t.equal((await fetch(`${base}/admin/stats`)).status, 401);
  const bad = await call(busy, '/v1/stats?window=1d');
  t.equal(bad.status, 400);
  t.equal((await bad.json()).code, 'S3GATE_VALIDATION');
  t.equal((await adminStats('?limit=0')).status, 400);
  t.ok(ADMIN_TOKEN);
});
