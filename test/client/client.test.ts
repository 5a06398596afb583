import { createHash, randomBytes } from 'node:crypto';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import { Readable } from 'node:stream';
import t from 'tap';
import { S3gate, S3gateError, verifyWebhook, type ObjectEvent } from '../../clients/typescript/src/index.js';
import { ADMIN_TOKEN, createTenant, listen, testApp } from '../helpers/app.js';
import { receiver } from '../helpers/receiver.js';
import { directClient, rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';
import { until } from '../helpers/stall.js';

const MiB = 1024 * 1024;

/** A body of `size` bytes made as it is read, 1 MiB at a time, with its digest. */
function generated(size: number, seed: number) {
  const hash = createHash('sha256');
  let left = size;
  const stream = new Readable({
    read() {
      if (left === 0) return void this.push(null);
      const chunk = Buffer.alloc(Math.min(MiB, left), seed + left);
      left -= chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

async function digestOf(body: ReadableStream<Uint8Array>): Promise<{ sha: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { sha: hash.digest('hex'), bytes };
}

t.test('@s3gate/client against a gateway on RGW', async (t) => {
  const app = await testApp(t, { env: { S3GATE_WEBHOOK_ALLOW_PRIVATE: 'true', S3GATE_WEBHOOK_POLL_MS: '50' } });
  const baseUrl = await listen(app);
  const user = rgwUser('client');
  const apiKey = await createTenant(app, { id: 'client', s3: rgwSettings(user) });
  const s3gate = new S3gate({ baseUrl, apiKey });
  const bucket = uniqueBucket('client');
  t.equal(await s3gate.buckets.create(bucket), true);
  t.equal(await s3gate.buckets.create(bucket), false, 'already there');
  t.ok((await s3gate.buckets.list()).some((b) => b.name === bucket));

  t.test('streams uploads of a known and an unknown size, and downloads, byte for byte', async (t) => {
    const known = generated(12 * MiB, 1);
    const put = await s3gate.objects.upload(bucket, 'big/known.bin', known.stream, { size: 12 * MiB, contentType: 'application/x-test', metadata: { origin: 'client-test' } });
    t.match(put, { key: 'big/known.bin', size: 12 * MiB });
    const unknown = generated(7 * MiB, 2);
    t.match(await s3gate.objects.upload(bucket, 'big/chunked.bin', unknown.stream), { size: 7 * MiB });

    const direct = directClient(user);
    t.teardown(() => direct.destroy());
    const head = await direct.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big/known.bin' }));
    t.equal(head.ContentLength, 12 * MiB, 'in RGW itself');

    const down = await s3gate.objects.download(bucket, 'big/known.bin');
    t.match(down, { status: 200, size: 12 * MiB, contentType: 'application/x-test', metadata: { origin: 'client-test' } });
    t.same(await digestOf(down.body), { sha: known.digest(), bytes: 12 * MiB });
    t.same(await digestOf((await s3gate.objects.download(bucket, 'big/chunked.bin')).body), { sha: unknown.digest(), bytes: 7 * MiB });

    const part = await s3gate.objects.download(bucket, 'big/known.bin', { range: 'bytes=0-9' });
    t.equal(part.status, 206);
    t.equal((await digestOf(part.body)).bytes, 10);
    t.match(await s3gate.objects.head(bucket, 'big/known.bin'), { size: 12 * MiB, contentType: 'application/x-test' });
  });

  t.test('strings, bytes and Blobs; keys with slashes, spaces and non-ASCII keep their shape', async (t) => {
    const keys = ['plain.txt', 'a b/c d.txt', 'café/naïve résumé.txt', 'q?x#y%z.txt', 'deep/1/2/3/4.txt'];
    for (const [i, key] of keys.entries()) {
      const body = i % 3 === 0 ? `text ${key}` : i % 3 === 1 ? new TextEncoder().encode(`bytes ${key}`) : new Blob([`blob ${key}`]);
      await s3gate.objects.upload(bucket, `shapes/${key}`, body, { contentType: 'text/plain' });
    }
    const listed: string[] = [];
    for await (const o of s3gate.objects.list(bucket, { prefix: 'shapes/', pageSize: 2 })) listed.push(o.key);
    t.same(listed.sort(), keys.map((k) => `shapes/${k}`).sort(), 'every key, over three pages of two');
    t.equal(await new Response((await s3gate.objects.download(bucket, 'shapes/café/naïve résumé.txt')).body).text(), 'blob café/naïve résumé.txt');
    const folder = await s3gate.objects.listPage(bucket, { prefix: 'shapes/', delimiter: '/' });
    t.same(folder.prefixes.sort(), ['shapes/a b/', 'shapes/café/', 'shapes/deep/']);
    await s3gate.objects.delete(bucket, 'shapes/a b/c d.txt');
    // S3 answers a batch delete's keys in no particular order.
    t.same((await s3gate.objects.deleteMany(bucket, ['shapes/plain.txt', 'shapes/q?x#y%z.txt'])).deleted.sort(), ['shapes/plain.txt', 'shapes/q?x#y%z.txt']);
    const after: string[] = [];
    for await (const o of s3gate.objects.list(bucket, { prefix: 'shapes/' })) after.push(o.key);
    t.same(after.sort(), ['shapes/café/naïve résumé.txt', 'shapes/deep/1/2/3/4.txt']);
  });

  t.test('errors are S3gateErrors with the API code, status and request id', async (t) => {
    const missing = await s3gate.objects.download(bucket, 'nope').catch((e: unknown) => e);
    t.ok(missing instanceof S3gateError);
    t.match(missing, { status: 404, code: 'S3GATE_OBJECT_NOT_FOUND', requestId: /.+/ });
    const unauthorized = await new S3gate({ baseUrl, apiKey: 's3g_' + 'x'.repeat(43) }).buckets.list().catch((e: unknown) => e);
    t.match(unauthorized, { status: 401, code: 'S3GATE_UNAUTHORIZED' });
    const invalid = await s3gate.buckets.create('No_Such..Name').catch((e: unknown) => e);
    t.match(invalid, { status: 400, code: 'S3GATE_INVALID_BUCKET_NAME' });
    const exists = await s3gate.objects.upload(bucket, 'shapes/deep/1/2/3/4.txt', 'again', { ifNoneMatch: '*' }).catch((e: unknown) => e);
    t.match(exists, { status: 412, code: 'S3GATE_PRECONDITION_FAILED' });
    const gone = await s3gate.objects.head(bucket, 'nope').catch((e: unknown) => e);
    t.match(gone, { status: 404, code: 'S3GATE_OBJECT_NOT_FOUND' });
  });

  t.test('webhooks: pages of subscriptions and deliveries, events, and verifyWebhook on a real delivery', async (t) => {
    const rx = await receiver(t);
    const created: Awaited<ReturnType<typeof s3gate.webhooks.create>>[] = [];
    for (let i = 0; i < 3; i++) created.push(await s3gate.webhooks.create({ url: rx.url, events: ['s3:ObjectCreated:*'], filter: { bucket, prefix: `hooked/${i}/` } }));
    const listed: string[] = [];
    for await (const w of s3gate.webhooks.list({ pageSize: 1 })) listed.push(w.id);
    t.same(listed, created.map((w) => w.id).sort(), 'every subscription, one per page');

    await s3gate.objects.upload(bucket, 'hooked/0/a.txt', 'a');
    await until(() => rx.received.length >= 1, 10_000, 'the delivery');
    const got = rx.received[0];
    const event: ObjectEvent = verifyWebhook(created[0].secret, got.body, got.headers as Record<string, string>);
    t.match(event, { type: 's3:ObjectCreated:Put', data: { bucket, key: 'hooked/0/a.txt', tenant: 'client' } });
    t.throws(() => verifyWebhook(created[0].secret, got.body.replace('a.txt', 'b.txt'), got.headers as Record<string, string>), 'a changed body does not verify');
    t.throws(() => verifyWebhook(created[1].secret, got.body, got.headers as Record<string, string>), "another subscription's secret does not verify");

    const deliveries = [];
    for await (const d of s3gate.webhooks.deliveries(created[0].id, { pageSize: 1 })) deliveries.push(d);
    t.equal(deliveries.length, 1);
    t.equal(deliveries[0].status, 'delivered');
    const retried = await s3gate.webhooks.retry(created[0].id, deliveries[0].id);
    t.equal(retried.status, 'pending');

    const events: ObjectEvent[] = [];
    for await (const e of s3gate.events.list({ bucket, prefix: 'hooked/', pageSize: 1 })) events.push(e);
    t.same(
      events.map((e) => e.data.key),
      ['hooked/0/a.txt'],
    );
  });

  t.test('a Redis stream subscription through the client; verifyWebhook checks what a queue consumer read', async (t) => {
    const stream = `client:${randomBytes(4).toString('hex')}`;
    const sub = await s3gate.webhooks.create({ url: 'redis://127.0.0.1:6379', events: ['s3:ObjectCreated:*'], filter: { bucket, prefix: 'queued/' }, destination: { stream } });
    t.match(sub, { kind: 'redis', destination: { stream } });
    const redis = new Redis({ host: '127.0.0.1', port: 6379 });
    t.teardown(async () => {
      await redis.del(stream);
      redis.disconnect();
    });
    await s3gate.objects.upload(bucket, 'queued/q.txt', 'q');
    let entries: [string, string[]][] = [];
    await until(async () => (entries = await redis.xrange(stream, '-', '+')).length > 0, 10_000, 'the stream entry');
    const fields = Object.fromEntries(entries[0][1].flatMap((v, i, all) => (i % 2 === 0 ? [[v, all[i + 1]]] : [])));
    const event = verifyWebhook(sub.secret, fields.body, fields);
    t.match(event, { type: 's3:ObjectCreated:Put', data: { bucket, key: 'queued/q.txt' } });
  });

  t.test('admin calls with the admin token; the raw typed client for the rest', async (t) => {
    const admin = new S3gate({ baseUrl, adminToken: ADMIN_TOKEN });
    const { data, error } = await admin.api.POST('/admin/tenants', { body: { id: 'made-by-client', driver: 'disk' } });
    t.notOk(error);
    t.match(data, { id: 'made-by-client', apiKey: /^s3g_/ });
    const both = new S3gate({ baseUrl, apiKey: data!.apiKey, adminToken: ADMIN_TOKEN });
    t.equal(await both.buckets.create('by-both'), true, 'the tenant API with the API key');
    const tenant = await both.api.GET('/admin/tenants/{id}', { params: { path: { id: 'made-by-client' } } });
    t.equal(tenant.data?.id, 'made-by-client', 'and /admin with the admin token');
    const refused = await admin.api.GET('/v1/buckets');
    t.equal(refused.error?.code, 'S3GATE_UNAUTHORIZED', 'the admin token is not an API key');
  });

  t.test('an upload whose body fails midway leaves nothing behind', async (t) => {
    let sent = 0;
    const failing = new Readable({
      read() {
        if (sent >= 3 * MiB) return void this.destroy(new Error('disk went away'));
        sent += MiB;
        this.push(randomBytes(MiB));
      },
    });
    await t.rejects(s3gate.objects.upload(bucket, 'broken.bin', failing, { size: 8 * MiB }));
    await new Promise((r) => setTimeout(r, 200));
    t.match(await s3gate.objects.head(bucket, 'broken.bin').catch((e: unknown) => e), { code: 'S3GATE_OBJECT_NOT_FOUND' });
  });
});
