import { createHash } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import { HeadObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import t from 'tap';
import { admin, bearer, createTenant, listen, testApp } from '../helpers/app.js';
import { directClient, rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';
import { until } from '../helpers/stall.js';

const MiB = 1024 * 1024;

/** Deterministic bytes, generated chunk by chunk (never a whole body in memory). */
function pattern(size: number, chunk = MiB): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) return this.push(null);
      const n = Math.min(chunk, size - sent);
      const buf = Buffer.alloc(n);
      for (let i = 0; i < n; i++) buf[i] = (sent + i) % 251;
      sent += n;
      this.push(buf);
    },
  });
}

async function md5Of(stream: Readable): Promise<string> {
  const h = createHash('md5');
  for await (const c of stream) h.update(c as Buffer);
  return h.digest('hex');
}

t.test('streams through the S3 driver', async (t) => {
  const app = await testApp(t, {
    config: { upload: { multipartThreshold: 5 * MiB, streamPartSize: 5 * MiB, partSize: 5 * MiB, queueSize: 2, multipartMaxAgeMs: 24 * 3600_000, janitorIntervalMs: 900_000 } },
  });
  const user = rgwUser('streams');
  const key = await createTenant(app, { id: 'streams', s3: rgwSettings(user) });
  const s3 = directClient(user);
  t.teardown(() => s3.destroy());
  const bucket = uniqueBucket('streams');
  await app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}`, headers: bearer(key) });
  const base = await listen(app);
  const poolStats = async () => (await app.inject({ method: 'GET', url: '/admin/tenants/streams/pool', headers: admin })).json();
  const noUploads = async () => ((await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).length === 0;
  const exists = (k: string) =>
    s3.send(new HeadObjectCommand({ Bucket: bucket, Key: k })).then(
      () => true,
      () => false,
    );

  t.test('a body of known length above the threshold goes up in parts streamed from the request', async (t) => {
    const size = 11 * MiB + 7;
    const put = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
      const req = http.request(`${base}/v1/buckets/${bucket}/objects/known.bin`, { method: 'PUT', headers: { ...bearer(key), 'content-length': String(size) } }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
      req.on('error', reject);
      pattern(size).pipe(req);
    });
    t.equal(put.status, 201);
    t.match(JSON.parse(put.body).etag, /-3$/, 'three parts: 5 MiB, 5 MiB and the rest');
    const res = await fetch(`${base}/v1/buckets/${bucket}/objects/known.bin`, { headers: bearer(key) });
    t.equal(await md5Of(Readable.fromWeb(res.body as never)), await md5Of(pattern(size)), 'same bytes');
  });

  t.test('a body of unknown length above the threshold goes up as a multipart upload and reads back intact', async (t) => {
    const size = 12 * MiB + 123;
    const put = await app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}/objects/big.bin`, headers: bearer(key), payload: pattern(size) });
    t.equal(put.statusCode, 201);
    t.match(put.json().etag, /-3$/, 'three parts of 5 MiB');
    t.equal(put.json().size, size);
    const res = await fetch(`${base}/v1/buckets/${bucket}/objects/big.bin`, { headers: bearer(key) });
    t.equal(res.headers.get('content-length'), String(size));
    t.equal(await md5Of(Readable.fromWeb(res.body as never)), await md5Of(pattern(size)), 'same bytes');
  });

  for (const [label, size, chunked] of [
    ['a single PutObject', 3 * MiB, false],
    ['a multipart upload of streamed parts', 20 * MiB, false],
    ['a chunked body through lib-storage', 20 * MiB, true],
  ] as const) {
    t.test(`a client that disconnects mid-upload leaves no object and no unfinished upload (${label})`, async (t) => {
      const objectKey = `aborted-${size}-${chunked}.bin`;
      const req = http.request(`${base}/v1/buckets/${bucket}/objects/${objectKey}`, {
        method: 'PUT',
        headers: { ...bearer(key), ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(size) }) },
      });
      req.on('error', () => {});
      req.write(Buffer.alloc(Math.floor(size / 2)));
      await until(async () => (await poolStats()).inFlight === 1, 10_000, 'the upload to reach S3');
      await new Promise((r) => setTimeout(r, 200));
      req.destroy();
      await until(async () => (await poolStats()).inFlight === 0, 15_000, 'the aborted upload to release its pool slot');
      t.notOk(await exists(objectKey), 'no object');
      await until(noUploads, 15_000, 'no unfinished multipart upload');
      t.ok(await noUploads(), 'no unfinished multipart upload');
    });
  }

  t.test('a download whose client goes away releases its S3 socket at once', async (t) => {
    const size = 32 * MiB;
    t.equal((await app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}/objects/download.bin`, headers: bearer(key), payload: pattern(size) })).statusCode, 201);
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${base}/v1/buckets/${bucket}/objects/download.bin`, { headers: bearer(key) }, (res) => {
        t.equal(res.statusCode, 200);
        res.on('error', () => {});
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err) => (err.message.includes('aborted') || err.message.includes('socket hang up') ? undefined : reject(err)));
    });
    await until(
      async () => {
        const s = await poolStats();
        return s.inFlight === 0 && s.sockets.inUse === 0;
      },
      10_000,
      'the S3 socket to be released',
    );
    const s = await poolStats();
    t.equal(s.inFlight, 0, 'no request in flight');
    t.equal(s.sockets.inUse, 0, 'no S3 socket held by the abandoned download');
  });
});
