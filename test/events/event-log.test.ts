import t from 'tap';
import { bearer, createTenant, listen, testApp } from '../helpers/app.js';
import { rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';

const MiB = 1024 * 1024;

for (const db of ['sqlite', 'postgres'] as const) {
  t.test(`every gateway write is in the event log when its call answers (${db})`, async (t) => {
    const app = await testApp(t, {
      db,
      config: { upload: { multipartThreshold: 5 * MiB, streamPartSize: 5 * MiB, partSize: 5 * MiB, queueSize: 2, multipartMaxAgeMs: 24 * 3600_000, janitorIntervalMs: 900_000 } },
    });
    const key = await createTenant(app, { id: 'ev', s3: rgwSettings(rgwUser('ev')) });
    const other = await createTenant(app, { id: 'other', driver: 'disk' });
    const h = bearer(key);
    const b = uniqueBucket('ev');
    const b2 = uniqueBucket('ev2');
    await app.inject({ method: 'PUT', url: `/v1/buckets/${b}`, headers: h });
    await app.inject({ method: 'PUT', url: `/v1/buckets/${b2}`, headers: h });
    const events = async (query = '') => (await app.inject({ method: 'GET', url: `/v1/events${query}`, headers: h })).json();

    const put = (await app.inject({ method: 'PUT', url: `/v1/buckets/${b}/objects/a/one.txt`, headers: h, payload: 'one' })).json();
    let log = await events();
    t.equal(log.events.length, 1, 'recorded before the PUT answered');
    t.match(log.events[0], {
      id: /^evt_[0-9A-Z]{26}$/,
      type: 's3:ObjectCreated:Put',
      timestamp: String,
      data: { tenant: 'ev', bucket: b, key: 'a/one.txt', size: 3, etag: put.etag, versionId: null, source: 'gateway' },
    });
    t.match(log.events[0].data.sequencer, /^[0-9A-F]{16,}$/);

    const base = await listen(app);
    const form = new FormData();
    form.append('key', 'a/form.bin');
    form.append('file', new Blob(['form']), 'f.bin');
    t.equal((await fetch(`${base}/v1/buckets/${b}/objects`, { method: 'POST', headers: h, body: form })).status, 201);
    await app.inject({ method: 'PUT', url: `/v1/buckets/${b}/objects/big.bin`, headers: h, payload: Buffer.alloc(6 * MiB) });
    await app.inject({ method: 'POST', url: '/v1/copy', headers: h, payload: { source: { bucket: b, key: 'a/one.txt' }, destination: { bucket: b2, key: 'moved.txt' }, move: true } });
    await app.inject({ method: 'DELETE', url: `/v1/buckets/${b}/objects/a/form.bin`, headers: h });
    await app.inject({ method: 'POST', url: `/v1/buckets/${b}/delete`, headers: h, payload: { keys: ['big.bin'] } });
    log = await events();
    t.same(
      log.events.map((e: { type: string; data: { bucket: string; key: string } }) => [e.type, e.data.bucket === b ? 'b' : 'b2', e.data.key]),
      [
        ['s3:ObjectCreated:Put', 'b', 'a/one.txt'],
        ['s3:ObjectCreated:Post', 'b', 'a/form.bin'],
        ['s3:ObjectCreated:CompleteMultipartUpload', 'b', 'big.bin'],
        ['s3:ObjectCreated:Copy', 'b2', 'moved.txt'],
        ['s3:ObjectRemoved:Delete', 'b', 'a/one.txt'],
        ['s3:ObjectRemoved:Delete', 'b', 'a/form.bin'],
        ['s3:ObjectRemoved:Delete', 'b', 'big.bin'],
      ],
    );
    t.equal(log.events[2].data.size, 6 * MiB);
    t.equal(log.events[3].data.size, 3, 'a copy reports the size of the copy');

    t.same(
      (await events(`?bucket=${b2}`)).events.map((e: { data: { key: string } }) => e.data.key),
      ['moved.txt'],
    );
    t.same((await events(`?bucket=${b}&prefix=a/`)).events.length, 4);
    const page1 = await events('?limit=3');
    t.equal(page1.events.length, 3);
    const page2 = await events(`?limit=3&cursor=${page1.nextCursor}`);
    const page3 = await events(`?limit=3&cursor=${page2.nextCursor}`);
    t.equal(page3.events.length, 1);
    t.equal(page3.nextCursor, null);
    t.same(
      [...page1.events, ...page2.events, ...page3.events].map((e: { id: string }) => e.id),
      log.events.map((e: { id: string }) => e.id),
    );
    t.equal((await events(`?since=${new Date(Date.now() + 60_000).toISOString()}`)).events.length, 0);
    t.same((await app.inject({ method: 'GET', url: '/v1/events', headers: bearer(other) })).json().events, [], 'another tenant sees none of them');
    await app.inject({ method: 'PUT', url: `/v1/buckets/${b}/objects/${encodeURIComponent('🚀 launch/x')}`, headers: h, payload: 'r' });
    const rocket = await events(`?prefix=${encodeURIComponent('🚀 l')}`);
    t.same(
      rocket.events.map((e: { data: { key: string } }) => e.data.key),
      ['🚀 launch/x'],
      'a prefix with characters outside the BMP',
    );
  });
}
