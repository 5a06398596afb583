import { randomBytes } from 'node:crypto';
import http from 'node:http';
import t from 'tap';
import { bearer, createTenant, listen, testApp } from '../helpers/app.js';
import { gqlClient } from '../helpers/graphql.js';
import { freePort, until } from '../helpers/stall.js';

const REDIS_URL = process.env.S3GATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const uniqueId = (p: string) => `${p}-${randomBytes(4).toString('hex')}`;

t.test('a tenant over its rate gets 429 with Retry-After and RateLimit-*; other tenants do not', async (t) => {
  const app = await testApp(t);
  const id = uniqueId('rl');
  const key = await createTenant(app, { id, driver: 'disk', limits: { requestsPerSecond: 0.5, burst: 3 } });
  const other = await createTenant(app, { id: uniqueId('free'), driver: 'disk' });
  const list = (k: string) => app.inject({ method: 'GET', url: '/v1/buckets', headers: bearer(k) });
  const answers = [await list(key), await list(key), await list(key)];
  t.same(
    answers.map((a) => a.statusCode),
    [200, 200, 200],
    'the burst passes',
  );
  t.same(
    answers.map((a) => a.headers['ratelimit-remaining']),
    ['2', '1', '0'],
  );
  t.equal(answers[0].headers['ratelimit-limit'], '3');
  t.equal(answers[0].headers['ratelimit-policy'], '3;w=6');
  const refused = await list(key);
  t.equal(refused.statusCode, 429);
  t.match(refused.json(), { code: 'S3GATE_RATE_LIMITED', message: new RegExp(`${id}.*0.5 requests per second \\(burst 3\\)`) });
  t.ok(Number(refused.headers['retry-after']) >= 1 && Number(refused.headers['retry-after']) <= 2, `Retry-After ${refused.headers['retry-after']}`);
  t.equal(refused.headers['ratelimit-remaining'], '0');
  for (let i = 0; i < 5; i++) t.equal((await list(other)).statusCode, 200, 'another tenant is not limited');
  t.ok((await app.inject({ method: 'GET', url: '/metrics' })).body.includes(`s3gate_rate_limited_total{tenant="${id}"} 1`), 'counted');

  const gql = gqlClient(await listen(app), key);
  const viaGraphql = await gql('{ buckets { name } }');
  t.equal(viaGraphql.status, 429, 'GraphQL requests count too');
  t.equal(viaGraphql.errors?.[0].extensions.code, 'S3GATE_RATE_LIMITED');
});

t.test('with REDIS_URL the limit holds across gateway processes; with Redis down requests go through', async (t) => {
  const id = uniqueId('shared');
  const apps = [await testApp(t, { env: { REDIS_URL } }), await testApp(t, { env: { REDIS_URL } })];
  const keys = [];
  for (const app of apps) keys.push(await createTenant(app, { id, driver: 'disk', limits: { requestsPerSecond: 0.2, burst: 4 } }));
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await apps[i % 2].inject({ method: 'GET', url: '/v1/buckets', headers: bearer(keys[i % 2]) })).statusCode);
  t.same(statuses, [200, 200, 200, 200, 429, 429], 'four in all, whichever process they reached');

  const logs: string[] = [];
  const down = await testApp(t, { env: { REDIS_URL: `redis://127.0.0.1:${await freePort()}` }, logStream: { write: (l) => void logs.push(l) } });
  const k = await createTenant(down, { id: uniqueId('nored'), driver: 'disk', limits: { requestsPerSecond: 1, burst: 1 } });
  for (let i = 0; i < 3; i++) t.equal((await down.inject({ method: 'GET', url: '/v1/buckets', headers: bearer(k) })).statusCode, 200);
  t.ok(
    logs.some((l) => l.includes('rate-limit store (Redis) failed')),
    'and the operator is told',
  );
});

t.test('concurrent uploads of a tenant are capped', async (t) => {
  const app = await testApp(t);
  const id = uniqueId('up');
  const key = await createTenant(app, { id, driver: 'disk', limits: { maxConcurrentUploads: 1 } });
  const base = await listen(app);
  await fetch(`${base}/v1/buckets/up-bkt`, { method: 'PUT', headers: bearer(key) });
  // A slow upload holds the tenant's only slot until its body ends.
  const slow = http.request(`${base}/v1/buckets/up-bkt/objects/slow`, { method: 'PUT', headers: { ...bearer(key), 'content-length': '6' } });
  const done = new Promise<number>((resolve) => slow.on('response', (res) => (res.resume(), resolve(res.statusCode!))));
  slow.write('abc');
  await until(() => app.services.limits.uploadsInProgress(id) === 1, 5000, 'the slow upload to start');
  const second = await fetch(`${base}/v1/buckets/up-bkt/objects/second`, { method: 'PUT', headers: bearer(key), body: 'x' });
  t.equal(second.status, 429);
  t.equal(((await second.json()) as { code: string }).code, 'S3GATE_TOO_MANY_UPLOADS');
  t.equal(second.headers.get('retry-after'), '1');
  slow.end('def');
  t.equal(await done, 201, 'the slow upload completes');
  const third = await fetch(`${base}/v1/buckets/up-bkt/objects/third`, { method: 'PUT', headers: bearer(key), body: 'x' });
  t.equal(third.status, 201, 'the slot is free again');
  t.equal((await fetch(`${base}/v1/buckets/up-bkt/objects/second`, { method: 'HEAD', headers: bearer(key) })).status, 404, 'the refused upload stored nothing');
});
