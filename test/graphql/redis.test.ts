import { join } from 'node:path';
import t from 'tap';
import { tempDir, tempPgDatabase } from '../helpers/app.js';
import { collect, wsClient } from '../helpers/graphql.js';
import { apiKey, gatewayProcess } from '../helpers/process.js';
import { rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';
import { until } from '../helpers/stall.js';

const REDIS_URL = process.env.S3GATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Ev {
  objectEvents: { id: string; data: { key: string } };
}

/** Two gateway processes on one database and one Redis: a subscription on one sees writes made on the other. */
t.test('with REDIS_URL, subscriptions receive events of writes made on another process', async (t) => {
  const databaseUrl = await tempPgDatabase(t);
  const tenants = [{ id: 'multi', s3: rgwSettings(rgwUser('multi')), apiKeys: [apiKey] }];
  const env = { DATABASE_URL: databaseUrl, REDIS_URL };
  const a = await gatewayProcess(t, join(tempDir(t), 'a'), env, tenants);
  const b = await gatewayProcess(t, join(tempDir(t), 'b'), env, tenants);
  const bucket = uniqueBucket('multi');
  const put = (base: string, key: string) => fetch(`${base}/v1/buckets/${bucket}/objects/${key}`, { method: 'PUT', headers: { authorization: `Bearer ${apiKey}` }, body: key });
  t.equal((await fetch(`${b.base}/v1/buckets/${bucket}`, { method: 'PUT', headers: { authorization: `Bearer ${apiKey}` } })).status, 201);

  const onA = collect<Ev>(wsClient(t, a.base, { authorization: `Bearer ${apiKey}` }), `subscription($b: String) { objectEvents(bucket: $b) { id data { key } } }`, { b: bucket });
  // Live once a write on B arrives on A.
  let probes = 0;
  await until(
    async () => {
      await put(b.base, `probe-${++probes}`);
      return onA.items.length > 0;
    },
    15_000,
    'the subscription on A to see writes on B',
  );
  const first = Number(onA.items[0].objectEvents.data.key.split('-').pop());
  await until(() => onA.items.length === probes - first + 1, 10_000, 'the remaining probes');
  onA.items.length = 0;

  for (let i = 0; i < 10; i++) t.equal((await put(i % 2 ? a.base : b.base, `k${i}`)).status, 201);
  await until(() => onA.items.length >= 10, 10_000, 'ten events on A');
  await new Promise((r) => setTimeout(r, 200));
  t.same(
    onA.items.map((i) => i.objectEvents.data.key),
    Array.from({ length: 10 }, (_, i) => `k${i}`),
    'every write, on either process, once each and in order',
  );
  const ids = new Set(onA.items.map((i) => i.objectEvents.id));
  t.equal(ids.size, 10, 'no event is delivered twice');
});
