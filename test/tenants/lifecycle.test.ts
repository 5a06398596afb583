import { sql } from 'kysely';
import t from 'tap';
import WebSocket from 'ws';
import { MultipartRepo } from '../../src/store/multipart.js';
import { admin, bearer, createTenant, listen, testApp } from '../helpers/app.js';
import { receiver } from '../helpers/receiver.js';
import { rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';
import { until } from '../helpers/stall.js';

const webhooks = {
  allowPrivate: true,
  timeoutMs: 1000,
  retrySchedule: [50, 50, 50, 50, 50, 50, 50, 50, 50, 50],
  disableAfterMs: 3_600_000,
  concurrency: 8,
  endpointConcurrency: 4,
  pollMs: 50,
  retentionMs: 86_400_000,
  deliveryRetentionMs: 86_400_000,
  retentionIntervalMs: 3_600_000,
};

/** Every table that holds rows of a tenant, and how to count them. */
const COUNTS: Record<string, (tenant: string, deliveryIds: string[]) => ReturnType<typeof sql<{ n: number | string }>>> = {
  tenants: (id) => sql`select count(*) as n from tenants where id = ${id}`,
  api_keys: (id) => sql`select count(*) as n from api_keys where tenant_id = ${id}`,
  webhooks: (id) => sql`select count(*) as n from webhooks where tenant_id = ${id}`,
  deliveries: (id) => sql`select count(*) as n from deliveries where tenant_id = ${id}`,
  delivery_attempts: (_id, ids) => (ids.length ? sql`select count(*) as n from delivery_attempts where delivery_id in (${sql.join(ids)})` : sql`select 0 as n`),
  events: (id) => sql`select count(*) as n from events where tenant_id = ${id}`,
  ingest_tokens: (id) => sql`select count(*) as n from ingest_tokens where tenant_id = ${id}`,
  bucket_notifications: (id) => sql`select count(*) as n from bucket_notifications where tenant_id = ${id}`,
  multipart_uploads: (id) => sql`select count(*) as n from multipart_uploads where tenant_id = ${id}`,
  s3_keys: (id) => sql`select count(*) as n from s3_keys where tenant_id = ${id}`,
};

for (const db of ['sqlite', 'postgres'] as const) {
  t.test(`deleting a tenant removes everything of it, and its id starts empty again (${db})`, async (t) => {
    const app = await testApp(t, { db, config: { webhooks }, env: { S3GATE_TENANT_CACHE_TTL_MS: '300' } });
    const base = await listen(app);
    const key = await createTenant(app, { id: 'gone', s3: rgwSettings(rgwUser('gone')) });
    const neighbour = await createTenant(app, { id: 'stays', driver: 'disk' });
    const h = bearer(key);
    const bucket = uniqueBucket('gone');
    await app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}`, headers: h });

    // A receiver that fails, so deliveries stay due and are retried every 50 ms.
    const rx = await receiver(t, () => ({ status: 500 }));
    const hook = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: h, payload: { url: rx.url, events: ['*'] } });
    t.equal(hook.statusCode, 201);
    await app.inject({ method: 'POST', url: '/v1/webhooks', headers: bearer(neighbour), payload: { url: rx.url, events: ['*'] } });
    const { path } = (await app.inject({ method: 'POST', url: '/admin/tenants/gone/ingest-token', headers: admin })).json();
    const wire = await fetch(`${base}/v1/buckets/${bucket}/notifications`, {
      method: 'PUT',
      headers: { ...h, 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: true, persistent: false }),
    });
    t.equal(wire.status, 200, 'native notifications wired on RGW');
    for (const k of ['a', 'b', 'c']) await app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}/objects/${k}`, headers: h, payload: k });
    await until(() => rx.received.length >= 6, 10_000, 'failed attempts');
    const sub = new WebSocket(base.replace(/^http/, 'ws') + '/graphql', 'graphql-transport-ws');
    const subClosed = new Promise<number>((resolve) => sub.on('close', (code) => resolve(code)));
    await new Promise((r) => sub.on('open', r));
    sub.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }));
    sub.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { objectEvents { id } }' } }));

    const kysely = app.db.kysely;
    await app.inject({ method: 'POST', url: '/v1/s3-keys', headers: h });
    // An unfinished upload on the janitor's list (as a process that died mid-upload leaves it).
    await new MultipartRepo(kysely).started('gone', bucket, 'half.bin', 'upload-1', new Date(Date.now() + 3600_000).toISOString());
    const deliveryIds = (await kysely.selectFrom('deliveries').select('id').where('tenant_id', '=', 'gone').execute()).map((r) => r.id);
    const count = async (tenant: string) =>
      Object.fromEntries(await Promise.all(Object.entries(COUNTS).map(async ([table, q]) => [table, Number((await q(tenant, deliveryIds).execute(kysely)).rows[0].n)] as const)));
    const before = await count('gone');
    for (const [table, n] of Object.entries(before)) t.ok(n > 0, `${table} holds rows of the tenant before (${n})`);
    const neighbourBefore = await count('stays');

    const del = await app.inject({ method: 'DELETE', url: '/admin/tenants/gone', headers: admin });
    t.equal(del.statusCode, 200, del.body);
    t.same(del.json(), { id: 'gone', notifications: { removed: [bucket], failed: [] }, objects: null }, 'the wiring on RGW was removed too');
    t.same(
      Object.values(await count('gone')),
      Object.values(COUNTS).map(() => 0),
      'zero rows of it in every table',
    );
    t.same((await count('stays')).webhooks, neighbourBefore.webhooks, "the other tenant's rows stay");

    // An attempt already on the wire when the tenant went may still land; none may start after.
    await new Promise((r) => setTimeout(r, 300));
    const sent = rx.received.length;
    rx.setBehaviour(() => ({ status: 200 }));
    await new Promise((r) => setTimeout(r, 800));
    t.equal(rx.received.length, sent, 'no delivery of the deleted tenant is sent after it is gone');
    t.equal(await subClosed, 4403, 'its live subscription is closed');
    t.equal((await app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json' }, payload: { Records: [] } })).statusCode, 401, 'its ingest token no longer works');
    t.equal((await app.inject({ method: 'GET', url: '/v1/buckets', headers: h })).statusCode, 401, 'its API key no longer works');

    const again = await createTenant(app, { id: 'gone', s3: rgwSettings(rgwUser('gone2')) });
    const hooks = (await app.inject({ method: 'GET', url: '/v1/webhooks', headers: bearer(again) })).json();
    t.same(hooks.webhooks ?? hooks, [], 'a tenant re-created with the id has no webhooks');
    t.same((await app.inject({ method: 'GET', url: '/v1/events', headers: bearer(again) })).json().events, [], 'nor events');
    t.equal((await app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json' }, payload: { Records: [] } })).statusCode, 401, 'nor the old ingest token');
    t.equal((await app.inject({ method: 'DELETE', url: '/admin/tenants/gone', headers: admin })).statusCode, 200);
    t.equal((await app.inject({ method: 'DELETE', url: '/admin/tenants/gone', headers: admin })).statusCode, 404);
  });
}

t.test('a disk tenant re-created with a deleted id sees none of its objects or presigned URLs', async (t) => {
  const app = await testApp(t);
  const base = await listen(app);
  const first = await createTenant(app, { id: 'reuse', driver: 'disk' });
  await fetch(`${base}/v1/buckets/reuse-bkt`, { method: 'PUT', headers: bearer(first) });
  await fetch(`${base}/v1/buckets/reuse-bkt/objects/secret.txt`, { method: 'PUT', headers: bearer(first), body: 'secret' });
  const presigned = (await (
    await fetch(`${base}/v1/presign`, {
      method: 'POST',
      headers: { ...bearer(first), 'content-type': 'application/json' },
      body: JSON.stringify({ bucket: 'reuse-bkt', key: 'secret.txt', method: 'GET', expiresIn: 600 }),
    })
  ).json()) as { url: string };
  t.equal(await (await fetch(presigned.url)).text(), 'secret');

  const del = await app.inject({ method: 'DELETE', url: '/admin/tenants/reuse', headers: admin });
  t.same(del.json(), { id: 'reuse', notifications: { removed: [], failed: [] }, objects: { detached: 1 } });
  const second = await createTenant(app, { id: 'reuse', driver: 'disk' });
  t.same(((await (await fetch(`${base}/v1/buckets`, { headers: bearer(second) })).json()) as { buckets: unknown[] }).buckets, [], 'no bucket of the old tenant');
  const replay = await fetch(presigned.url);
  t.equal(replay.status, 403, 'the old presigned URL does not open the new tenant');
  await replay.arrayBuffer();

  await fetch(`${base}/v1/buckets/mine`, { method: 'PUT', headers: bearer(second) });
  await fetch(`${base}/v1/buckets/mine/objects/x`, { method: 'PUT', headers: bearer(second), body: 'x' });
  const purge = await app.inject({ method: 'DELETE', url: '/admin/tenants/reuse?purgeObjects=true', headers: admin });
  t.same(purge.json().objects, { purged: 1 });
  const third = await createTenant(app, { id: 'reuse', driver: 'disk' });
  t.same(((await (await fetch(`${base}/v1/buckets`, { headers: bearer(third) })).json()) as { buckets: unknown[] }).buckets, []);

  // A tenant deleted before deletions set disk objects aside (its row removed without them): a new
  // tenant given the id still starts empty.
  await fetch(`${base}/v1/buckets/old-bkt`, { method: 'PUT', headers: bearer(third) });
  await fetch(`${base}/v1/buckets/old-bkt/objects/left.txt`, { method: 'PUT', headers: bearer(third), body: 'left behind' });
  await app.db.kysely.deleteFrom('tenants').where('id', '=', 'reuse').execute();
  const fourth = await createTenant(app, { id: 'reuse', driver: 'disk' });
  t.same(((await (await fetch(`${base}/v1/buckets`, { headers: bearer(fourth) })).json()) as { buckets: unknown[] }).buckets, [], 'objects left under the id are set aside at creation');

  const s3 = await createTenant(app, { id: 'nopurge', s3: rgwSettings(rgwUser('nopurge')) });
  t.ok(s3);
  const refused = await app.inject({ method: 'DELETE', url: '/admin/tenants/nopurge?purgeObjects=true', headers: admin });
  t.equal(refused.statusCode, 400, 'purgeObjects is for disk tenants');
  t.equal((await app.inject({ method: 'GET', url: '/admin/tenants/nopurge', headers: admin })).statusCode, 200, 'and nothing was deleted');
});
