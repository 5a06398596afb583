import { mkdirSync, existsSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { CreateMultipartUploadCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import t from 'tap';
import { UploadJanitor } from '../../src/services/upload-janitor.js';
import { MultipartRepo } from '../../src/store/multipart.js';
import { bearer, createTenant, listen, tempDir, testApp } from '../helpers/app.js';
import { tcpForwarder } from '../helpers/net.js';
import { directClient, rgwEndpoint, rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';
import { until } from '../helpers/stall.js';

const MiB = 1024 * 1024;
const upload = { multipartThreshold: 5 * MiB, streamPartSize: 5 * MiB, partSize: 5 * MiB, queueSize: 2, multipartMaxAgeMs: 24 * 3600_000, janitorIntervalMs: 3600_000 };

t.test('a failed AbortMultipartUpload is recorded and retried by the janitor until S3 has no upload left', async (t) => {
  const app = await testApp(t, { config: { upload } });
  const user = rgwUser('jan');
  const forwarder = await tcpForwarder(t, new URL(rgwEndpoint()));
  const key = await createTenant(app, { id: 'jan', s3: { ...rgwSettings(user, forwarder.url), maxAttempts: 1 } });
  const bucket = uniqueBucket('jan');
  await app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}`, headers: bearer(key) });
  const base = await listen(app);
  const s3 = directClient(user);
  t.teardown(() => s3.destroy());
  const openUploads = async () => (await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [];
  const repo = new MultipartRepo(app.db.kysely);

  // 12 MiB announced, 6 MiB sent: the first 5 MiB part is stored, then the client stalls.
  const req = request(`${base}/v1/buckets/${bucket}/objects/big.bin`, { method: 'PUT', headers: { ...bearer(key), 'content-length': String(12 * MiB) } });
  req.on('error', () => {});
  req.write(Buffer.alloc(6 * MiB, 1));
  await until(async () => (await openUploads()).length === 1, 15_000, 'the multipart upload to start in RGW');
  // Recorded when CreateMultipartUpload answers, which can be a moment after RGW lists the upload.
  await until(async () => (await repo.list('jan')).length === 1, 5_000, 'the record of the upload');
  t.equal((await repo.list('jan')).length, 1, 'the gateway recorded the upload it started');

  // S3 becomes unreachable, then the client goes away: the gateway's abort cannot reach S3.
  await forwarder.down();
  req.destroy();
  await until(async () => (await repo.list('jan'))[0]?.state === 'abort_failed', 15_000, 'the failed abort to be recorded');
  const [row] = await repo.list('jan');
  t.match(row.last_error, /ECONNREFUSED|ECONNRESET|socket|connect/i, `why it failed: ${row.last_error}`);
  t.equal((await openUploads()).length, 1, 'the upload is still billable in S3');

  t.same(await app.services.uploadJanitor.run(), { aborted: 0, failed: 0, orphanBlobs: 0 }, 'not due before its retry time');
  t.same(await app.services.uploadJanitor.run(Date.now() + 2 * 60_000), { aborted: 0, failed: 1, orphanBlobs: 0 }, 'S3 still unreachable: it fails again');
  t.equal((await repo.list('jan'))[0].attempts, 1);
  await forwarder.up();
  t.same(await app.services.uploadJanitor.run(Date.now() + 10 * 60_000), { aborted: 1, failed: 0, orphanBlobs: 0 });
  t.same(await openUploads(), [], 'no unfinished upload is left in S3');
  t.same(await repo.list('jan'), [], 'nor in the record');
  const metrics = await app.inject({ method: 'GET', url: '/metrics' });
  t.match(metrics.body, /s3gate_multipart_janitor_total\{tenant="jan",outcome="aborted"\} 1/);
  t.match(metrics.body, /s3gate_multipart_janitor_total\{tenant="jan",outcome="failed"\} 1/);
});

t.test('an upload left open by a process that died is aborted once past S3GATE_MULTIPART_MAX_AGE_HOURS', async (t) => {
  const app = await testApp(t, { config: { upload } });
  const user = rgwUser('stale');
  const key = await createTenant(app, { id: 'stale', s3: rgwSettings(user) });
  const bucket = uniqueBucket('stale');
  await app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}`, headers: bearer(key) });
  const s3 = directClient(user);
  t.teardown(() => s3.destroy());
  // What a gateway process records when it starts an upload and then dies (kill -9) before finishing.
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'orphan.bin' }));
  const repo = new MultipartRepo(app.db.kysely);
  const dueAt = Date.now() + 24 * 3600_000;
  await repo.started('stale', bucket, 'orphan.bin', UploadId!, new Date(dueAt).toISOString());
  t.same(await app.services.uploadJanitor.run(), { aborted: 0, failed: 0, orphanBlobs: 0 }, 'younger than the maximum age: left alone');
  t.same(await app.services.uploadJanitor.run(dueAt + 1000), { aborted: 1, failed: 0, orphanBlobs: 0 });
  t.same((await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [], []);

  // Bounded per tenant: a backlog of three with a bound of two takes two runs.
  for (const k of ['o1', 'o2', 'o3']) {
    const { UploadId: id } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: k }));
    await repo.started('stale', bucket, k, id!, new Date(dueAt).toISOString());
  }
  const bounded = new UploadJanitor(repo, app.services.tenants, app.services.pool, { removeOrphanBlobs: async () => 0 }, { perTenant: 2, log: app.log });
  t.same(await bounded.run(dueAt + 1000), { aborted: 2, failed: 0, orphanBlobs: 0 }, "two of the tenant's three in one run");
  t.same(await bounded.run(dueAt + 1000), { aborted: 1, failed: 0, orphanBlobs: 0 }, 'the third in the next');
  t.same((await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [], []);
});

t.test('completed uploads leave no record; the disk janitor removes only unreferenced old blobs', async (t) => {
  const dataDir = tempDir(t);
  const app = await testApp(t, { dataDir, config: { upload } });
  const user = rgwUser('done');
  const key = await createTenant(app, { id: 'done', s3: rgwSettings(user) });
  const bucket = uniqueBucket('done');
  await app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}`, headers: bearer(key) });
  const put = await app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}/objects/six.bin`, headers: bearer(key), payload: Buffer.alloc(6 * MiB) });
  t.equal(put.statusCode, 201);
  t.same(await new MultipartRepo(app.db.kysely).list('done'), [], 'a completed multipart upload is not left in the record');

  const disk = await createTenant(app, { id: 'dsk', driver: 'disk' });
  await app.inject({ method: 'PUT', url: '/v1/buckets/dsk-bkt', headers: bearer(disk) });
  await app.inject({ method: 'PUT', url: '/v1/buckets/dsk-bkt/objects/kept.txt', headers: bearer(disk), payload: 'kept' });
  const dir = join(dataDir, 'objects', 'blobs', 'zz');
  mkdirSync(dir, { recursive: true });
  const orphan = join(dir, 'zz0000orphan');
  const fresh = join(dir, 'zz0000fresh');
  writeFileSync(orphan, 'left behind by a crash');
  writeFileSync(fresh, 'being indexed right now');
  const hoursAgo = new Date(Date.now() - 2 * 3600_000);
  utimesSync(orphan, hoursAgo, hoursAgo);
  t.same(await app.services.uploadJanitor.run(), { aborted: 0, failed: 0, orphanBlobs: 1 });
  t.notOk(existsSync(orphan), 'the old unreferenced blob is gone');
  t.ok(existsSync(fresh), 'a recent one is left alone');
  t.equal((await app.inject({ method: 'GET', url: '/v1/buckets/dsk-bkt/objects/kept.txt', headers: bearer(disk) })).body, 'kept', 'a referenced blob is kept');
});
