import t from 'tap';
import { admin, bearer, createTenant, listen, testApp } from '../helpers/app.js';
import { collect, wsClient } from '../helpers/graphql.js';
import { rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';
import { until } from '../helpers/stall.js';

interface Ev {
  objectEvents: { id: string; type: string; data: { tenant: string; bucket: string; key: string; size: number | null; source: string } };
}
const SUB = `subscription($b: String, $p: String, $t: [String!]) { objectEvents(bucket: $b, prefix: $p, types: $t) { id type timestamp data { tenant bucket key size etag source } } }`;

/** Live object events over graphql-ws, for gateway writes and native notifications, tenant by tenant. */
t.test('objectEvents', async (t) => {
  const app = await testApp(t);
  const keyA = await createTenant(app, { id: 'suba', s3: rgwSettings(rgwUser('suba')) });
  const keyB = await createTenant(app, { id: 'subb', s3: rgwSettings(rgwUser('subb')) });
  const base = await listen(app);
  const bucket = uniqueBucket('sub');
  const put = (key: string, body = 'abc') => fetch(`${base}/v1/buckets/${bucket}/objects/${key}`, { method: 'PUT', headers: bearer(keyA), body });
  t.equal((await fetch(`${base}/v1/buckets/${bucket}`, { method: 'PUT', headers: bearer(keyA) })).status, 201);

  /** A subscription is live once the server has subscribed it: probe until a probe write arrives. */
  async function live(sub: { items: Ev[] }, probeKey: string) {
    let probes = 0;
    const seen = () => sub.items.map((i) => i.objectEvents.data.key).filter((k) => k.startsWith(probeKey + '-'));
    await until(
      async () => {
        await put(`${probeKey}-${++probes}`);
        return seen().length > 0;
      },
      10_000,
      'the subscription to go live',
    );
    // Every probe from the first one seen arrives; once they have, the subscription starts clean.
    const first = Number(seen()[0].split('-').pop());
    await until(() => seen().length === probes - first + 1, 10_000, 'the last probes');
    sub.items.length = 0;
  }

  t.test('streams the matching events of the tenant, the same ones the event log has', async (t) => {
    const client = wsClient(t, base, { authorization: `Bearer ${keyA}` });
    const all = collect<Ev>(client, SUB, { b: bucket });
    const filtered = collect<Ev>(client, SUB, { b: bucket, p: 'in/', t: ['s3:ObjectCreated:*'] });
    await live(all, 'probe-1');
    await until(() => filtered.items.length === 0, 1000);
    t.equal((await put('in/a.txt')).status, 201);
    t.equal((await put('out/b.txt')).status, 201);
    t.equal((await fetch(`${base}/v1/buckets/${bucket}/objects/in/a.txt`, { method: 'DELETE', headers: bearer(keyA) })).status, 204);
    t.equal((await put('in/c.txt', 'hello')).status, 201);
    await until(() => all.items.length === 4, 10_000, 'four events');
    t.same(
      all.items.map((i) => [i.objectEvents.type, i.objectEvents.data.key]),
      [
        ['s3:ObjectCreated:Put', 'in/a.txt'],
        ['s3:ObjectCreated:Put', 'out/b.txt'],
        ['s3:ObjectRemoved:Delete', 'in/a.txt'],
        ['s3:ObjectCreated:Put', 'in/c.txt'],
      ],
    );
    t.same(
      filtered.items.map((i) => i.objectEvents.data.key),
      ['in/a.txt', 'in/c.txt'],
      'bucket, prefix and types filter',
    );
    t.match(filtered.items[1].objectEvents, { data: { tenant: 'suba', bucket, size: 5, source: 'gateway' } });
    const log = (await (await fetch(`${base}/v1/events?bucket=${bucket}&prefix=in/c`, { headers: bearer(keyA) })).json()) as { events: { id: string }[] };
    t.equal(filtered.items[1].objectEvents.id, log.events[0].id, 'the same event id as the log and webhooks');
  });

  t.test("another tenant subscribing to this bucket's name sees nothing", async (t) => {
    const a = collect<Ev>(wsClient(t, base, { authorization: `Bearer ${keyA}` }), SUB, { b: bucket });
    const b = collect<Ev>(wsClient(t, base, { authorization: `Bearer ${keyB}` }), SUB, { b: bucket });
    const bAll = collect<Ev>(wsClient(t, base, { authorization: `Bearer ${keyB}` }), SUB, {});
    await live(a, 'probe-2');
    // b subscribed before a went live: had anything of tenant A reached it, it would be here by now.
    await put('secret.txt');
    await until(() => a.items.length === 1, 10_000);
    await new Promise((r) => setTimeout(r, 300));
    t.same(b.items, [], "tenant B's subscription to A's bucket name got nothing");
    t.same(bAll.items, [], "nor did B's unfiltered one");
    t.same(b.errors, []);
  });

  t.test('native S3 notifications reach subscriptions too', async (t) => {
    const sub = collect<Ev>(wsClient(t, base, { authorization: `Bearer ${keyA}` }), SUB, { b: bucket, p: 'native/' });
    await live(sub as never, 'native/probe');
    const { path } = (await (await fetch(`${base}/admin/tenants/suba/ingest-token`, { method: 'POST', headers: admin })).json()) as { path: string };
    const record = {
      eventVersion: '2.1',
      eventSource: 'ceph:s3',
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: bucket }, object: { key: 'native/direct.bin', size: 7, eTag: 'e1', sequencer: '0C' } },
    };
    const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Records: [record] }) });
    t.equal(res.status, 200);
    await until(() => sub.items.length === 1, 10_000, 'the native event');
    t.match(sub.items[0].objectEvents, { type: 's3:ObjectCreated:Put', data: { key: 'native/direct.bin', size: 7, source: 'native' } });
  });

  t.test('a subscription with bad arguments gets a GraphQL error with the code', async (t) => {
    const sub = collect<Ev>(wsClient(t, base, { authorization: `Bearer ${keyA}` }), SUB, { t: ['s3:Nothing'] });
    await until(() => sub.done, 5000, 'the error');
    t.match(JSON.stringify(sub.errors), /S3GATE_VALIDATION/);
  });

  t.test('a bad or missing key closes the connection with 4403 and says what to send', async (t) => {
    for (const payload of [{ authorization: 'Bearer s3g_wrong' }, undefined]) {
      let closed: { code: number; reason: string } | undefined;
      const sub = collect<Ev>(
        wsClient(t, base, payload, (e) => (closed = e)),
        SUB,
        {},
      );
      await until(() => closed !== undefined && sub.done, 5000, 'the close');
      t.equal(closed!.code, 4403);
      t.match(closed!.reason, /authorization.*Bearer <apiKey>.*connection_init/);
    }
  });
});
