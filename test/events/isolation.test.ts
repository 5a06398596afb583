import t from 'tap';
import type { EventInput } from '../../src/model/event.js';
import { admin, bearer, createTenant, listen, testApp } from '../helpers/app.js';

const put = (bucket: string, key: string): EventInput => ({ type: 's3:ObjectCreated:Put', bucket, key, size: 1, etag: 'e', source: 'gateway' });

for (const db of ['sqlite', 'postgres'] as const) {
  t.test(`one failing caller of a group commit fails alone (${db})`, async (t) => {
    const app = await testApp(t, { db });
    await createTenant(app, { id: 'iso-a', driver: 'disk' });
    await createTenant(app, { id: 'iso-b', driver: 'disk' });
    // The fault: a NOT NULL column left null in the second event of one caller, a real error of the
    // database in the middle of the shared transaction.
    const faulty = [put('bkt', 'written-then-undone'), { ...put('bkt', 'bad'), bucket: null as unknown as string }];
    const calls = Array.from({ length: 30 }, (_, i) => (i === 7 ? app.services.events.record('iso-a', faulty) : app.services.events.record(i % 2 ? 'iso-a' : 'iso-b', [put('bkt', `k${i}`)])));
    const results = await Promise.allSettled(calls);
    t.equal(results.filter((r) => r.status === 'rejected').length, 1, 'only the faulty caller failed');
    t.equal(results[7].status, 'rejected');
    const keys = async (tenant: string) => (await app.services.events.list(tenant, { limit: 100 })).events.map((e) => e.data.key);
    const a = await keys('iso-a');
    const b = await keys('iso-b');
    t.equal(a.length + b.length, 29, 'the 29 others are recorded');
    t.notOk(a.includes('written-then-undone'), "the faulty caller's first event was rolled back with it");
  });
}

t.test("one tenant's ingest flood neither fails nor loses another tenant's writes", async (t) => {
  const app = await testApp(t);
  const victim = await createTenant(app, { id: 'victim', driver: 'disk' });
  await createTenant(app, { id: 'flooder', driver: 'disk' });
  const { path } = (await app.inject({ method: 'POST', url: '/admin/tenants/flooder/ingest-token', headers: admin })).json();
  const base = await listen(app);
  await fetch(`${base}/v1/buckets/victim-bkt`, { method: 'PUT', headers: bearer(victim) });
  const record = (i: number) => ({ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'flood-bkt' }, object: { key: `f${i}`, size: 1, eTag: 'e', sequencer: `${i}` } } });
  const records = (n: number) => JSON.stringify({ Records: Array.from({ length: n }, (_, i) => record(i)) });

  const huge = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: records(2600) });
  t.equal(huge.status, 413);
  t.match(await huge.json(), { code: 'S3GATE_TOO_MANY_RECORDS', message: /2600 records; at most 100/ });

  const floods = Array.from({ length: 4 }, () => fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: records(100) }).then((r) => r.status));
  const puts = Array.from({ length: 63 }, (_, i) => fetch(`${base}/v1/buckets/victim-bkt/objects/p${i}`, { method: 'PUT', headers: bearer(victim), body: 'x' }).then((r) => r.status));
  const [floodStatuses, putStatuses] = await Promise.all([Promise.all(floods), Promise.all(puts)]);
  t.same(floodStatuses, [200, 200, 200, 200]);
  t.same([...new Set(putStatuses)], [201], 'every PUT of the other tenant succeeded');
  const log = (await app.inject({ method: 'GET', url: '/v1/events?limit=1000', headers: bearer(victim) })).json();
  t.equal(log.events.length, 63, 'and each one has its event');
});

t.test('ingest records that S3 could not have sent are refused', async (t) => {
  const app = await testApp(t);
  const key = await createTenant(app, { id: 'strict', driver: 'disk' });
  const { path } = (await app.inject({ method: 'POST', url: '/admin/tenants/strict/ingest-token', headers: admin })).json();
  const post = (bucket: string, key: string, size: unknown = 1) =>
    app.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ Records: [{ eventSource: 'ceph:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key, size } } }] }),
    });
  for (const [what, res] of [
    ['a bucket that is a path', await post('../../etc', 'k')],
    ['a control character in the key', await post('okbkt', 'a\u0001b')],
    ['a 100 KB key', await post('okbkt', 'k'.repeat(100_000))],
    ['a size of 1e308', await post('okbkt', 'k', 1e308)],
    ['a negative size', await post('okbkt', 'k', -1)],
  ] as const) {
    t.equal(res.statusCode, 400, what);
    t.equal(res.json().code, 'S3GATE_INVALID_EVENT', what);
  }
  t.same((await app.inject({ method: 'GET', url: '/v1/events', headers: bearer(key) })).json().events, [], 'nothing was recorded');
  t.equal((await post('okbkt', 'fine/key.txt', 5)).statusCode, 200, 'a valid record is still taken');
});
