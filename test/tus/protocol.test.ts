import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { bearer, createTenant, listen, testApp, tempDir } from '../helpers/app.js';
import { directClient, rgwSettings, rgwUser, uniqueBucket, type RgwUser } from '../helpers/rgw.js';
import { metadataHeader, sha256, tusRequest, tusUpload } from '../helpers/tus.js';

const MiB = 1024 * 1024;
type Driver = 'disk' | 'rgw';

interface Tenant {
  id: string;
  apiKey: string;
  auth: Record<string, string>;
  user?: RgwUser;
}

async function tenant(app: FastifyInstance, id: string, driver: Driver, limits?: Record<string, number>): Promise<Tenant> {
  const user = driver === 'rgw' ? rgwUser(id) : undefined;
  const apiKey = await createTenant(app, { id, ...(user ? { driver: 's3', s3: rgwSettings(user) } : { driver: 'disk' }), ...(limits && { limits }) });
  return { id, apiKey, auth: bearer(apiKey), user };
}

async function bucket(base: string, who: Tenant, name = uniqueBucket('tus')): Promise<string> {
  const res = await fetch(`${base}/v1/buckets/${name}`, { method: 'PUT', headers: who.auth });
  if (res.status !== 201 && res.status !== 200) throw new Error(`bucket: ${res.status} ${await res.text()}`);
  return name;
}

async function object(base: string, who: Tenant, b: string, key: string) {
  const res = await fetch(`${base}/v1/buckets/${b}/objects/${key}`, { headers: who.auth });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** Unfinished multipart uploads in the tenant's backend (both drivers), and those the gateway still tracks. */
async function openUploads(app: FastifyInstance, who: Tenant, b: string): Promise<number> {
  const t = await app.services.tenants.resolve(who.id);
  const ctx = { tenant: t, log: app.log, signal: new AbortController().signal, origin: '' };
  const listed = await app.services.multipart.listUploads(ctx, b, { limit: 1000 });
  const tracked = await app.db.kysely.selectFrom('multipart_uploads').select('upload_id').where('tenant_id', '=', who.id).execute();
  if (who.user) {
    const direct = await directClient(who.user).send(new ListMultipartUploadsCommand({ Bucket: b }));
    if ((direct.Uploads ?? []).length !== listed.uploads.length) throw new Error('the driver and RGW disagree on open uploads');
  }
  if (tracked.length !== listed.uploads.length) throw new Error(`the gateway tracks ${tracked.length} uploads, the backend has ${listed.uploads.length}`);
  return listed.uploads.length;
}

async function events(base: string, who: Tenant, key: string) {
  const res = await fetch(`${base}/v1/events?limit=100`, { headers: who.auth });
  return ((await res.json()) as { events: { type: string; data: { key: string; size: number; etag: string } }[] }).events.filter((e) => e.data.key === key);
}

/** Creates an upload with raw tus requests; returns its URL. */
async function create(base: string, who: Record<string, string>, size: number, meta: Record<string, string | null>, extra: Record<string, string> = {}): Promise<string> {
  const res = await tusRequest(`${base}/v1/uploads`, 'POST', { ...who, 'upload-length': String(size), 'upload-metadata': metadataHeader(meta), ...extra });
  if (res.status !== 201) throw new Error(`create: ${res.status} ${res.text}`);
  return res.headers.get('location')!;
}

const patch = (url: string, who: Record<string, string>, offset: number, body: Buffer, extra: Record<string, string> = {}) =>
  tusRequest(url, 'PATCH', { ...who, 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream', ...extra }, body);

/** A PATCH that sends `first` bytes of a declared `length`, then waits: `finish()` sends the rest. */
function heldPatch(url: string, who: Record<string, string>, offset: number, data: Buffer, first: number) {
  const u = new URL(url);
  const req = http.request({
    host: u.hostname,
    port: u.port,
    path: u.pathname + u.search,
    method: 'PATCH',
    headers: { ...who, 'tus-resumable': '1.0.0', 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream', 'content-length': data.length },
  });
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c) => (body += c)).on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
  });
  req.write(data.subarray(0, first));
  return { answered, finish: () => req.end(data.subarray(first)), destroy: () => req.destroy() };
}

for (const driver of ['disk', 'rgw'] as const) {
  t.test(`${driver}: tus-js-client uploads at any chunk size; metadata, one completion event, nothing left open`, async (t) => {
    const app = await testApp(t);
    const base = await listen(app);
    const who = await tenant(app, `tj-${driver}`, driver);
    const b = await bucket(base, who);
    const data = randomBytes(12 * MiB + 12345);
    for (const chunkSize of [Infinity, 5 * MiB, 3_000_000]) {
      const key = `dir/file-${chunkSize}.bin`;
      const run = await tusUpload(`${base}/v1/uploads`, data, {
        headers: who.auth,
        chunkSize,
        metadata: { bucket: b, key, contentType: 'video/mp4', 'meta-Camera': 'field-7', 'meta-take': '3' },
      });
      t.match(run.url, new RegExp(`^${base}/v1/uploads/[0-9a-f]{32}$`), 'the upload URL is under /v1/uploads');
      const got = await object(base, who, b, key);
      t.equal(got.status, 200);
      t.equal(sha256(got.body), sha256(data), `chunkSize ${chunkSize}: the object is the bytes sent`);
      t.equal(got.headers.get('content-type'), 'video/mp4');
      t.equal(got.headers.get('x-meta-camera'), 'field-7', 'meta-NAME becomes user metadata');
      t.equal(got.headers.get('x-meta-take'), '3');
      const evts = await events(base, who, key);
      t.same(
        evts.map((e) => e.type),
        ['s3:ObjectCreated:CompleteMultipartUpload'],
        'completion is recorded once',
      );
      t.equal(evts[0].data.size, data.length);
      t.equal(`"${evts[0].data.etag}"`, got.headers.get('etag'));
      const head = await tusRequest(run.url, 'HEAD', who.auth);
      t.equal(head.status, 200);
      t.equal(head.headers.get('upload-offset'), String(data.length), 'a finished upload answers its full offset');
      t.equal(head.headers.get('cache-control'), 'no-store');
    }
    t.equal(await openUploads(app, who, b), 0, 'no multipart upload is left open in the backend or in the gateway');
    const parts = await app.db.kysely.selectFrom('tus_parts').select('upload').execute();
    t.equal(parts.length, 0, 'the parts of finished uploads are forgotten');
  });
}

t.test('Uppy-style metadata: filename under a prefix, filetype; creation-with-upload; an empty upload', async (t) => {
  const app = await testApp(t);
  const base = await listen(app);
  const who = await tenant(app, 'uppy-meta', 'disk');
  const b = await bucket(base, who);
  const data = Buffer.from('a,b\n1,2\n');
  await tusUpload(`${base}/v1/uploads`, data, { headers: who.auth, metadata: { bucket: b, prefix: 'in/', filename: 'table.csv', filetype: 'text/csv', name: 'table.csv', type: 'text/csv' } });
  const got = await object(base, who, b, 'in/table.csv');
  t.equal(got.body.toString(), data.toString());
  t.equal(got.headers.get('content-type'), 'text/csv');
  const names: string[] = [];
  got.headers.forEach((_v, name) => names.push(name));
  t.same(
    names.filter((h) => h.startsWith('x-meta-')),
    [],
    'only meta-NAME keys become metadata',
  );

  // creation-with-upload: the POST carries the first bytes (here all of them).
  const whole = randomBytes(6 * MiB + 5);
  const created = await tusRequest(
    `${base}/v1/uploads`,
    'POST',
    { ...who.auth, 'upload-length': String(whole.length), 'upload-metadata': metadataHeader({ bucket: b, key: 'at-once' }), 'content-type': 'application/offset+octet-stream' },
    whole,
  );
  t.equal(created.status, 201);
  t.equal(created.headers.get('upload-offset'), String(whole.length), 'the body of the creation request is stored');
  t.equal(sha256((await object(base, who, b, 'at-once')).body), sha256(whole));
  const half = await tusRequest(
    `${base}/v1/uploads`,
    'POST',
    { ...who.auth, 'upload-length': String(whole.length), 'upload-metadata': metadataHeader({ bucket: b, key: 'half' }), 'content-type': 'application/offset+octet-stream' },
    whole.subarray(0, 1000),
  );
  t.equal(half.headers.get('upload-offset'), '1000', 'a first slice is kept as the upload goes on');
  t.equal((await patch(half.headers.get('location')!, who.auth, 1000, whole.subarray(1000))).status, 204);
  t.equal(sha256((await object(base, who, b, 'half')).body), sha256(whole));

  await tusUpload(`${base}/v1/uploads`, Buffer.alloc(0), { headers: who.auth, metadata: { bucket: b, key: 'empty' } });
  const empty = await object(base, who, b, 'empty');
  t.same([empty.status, empty.body.length], [200, 0], 'an empty upload makes an empty object');
  t.same(
    (await events(base, who, 'empty')).map((e) => e.type),
    ['s3:ObjectCreated:CompleteMultipartUpload'],
  );
});

t.test('bad input gets the tus status and a coded message, and stores nothing', async (t) => {
  const app = await testApp(t);
  const base = await listen(app);
  const who = await tenant(app, 'bad-in', 'rgw', { maxObjectSize: 20 * MiB });
  const other = await tenant(app, 'bad-other', 'disk');
  const b = await bucket(base, who);
  const up = `${base}/v1/uploads`;

  const noVersion = await tusRequest(up, 'POST', { ...who.auth, 'tus-resumable': '', 'upload-length': '5' });
  t.same([noVersion.status, noVersion.code], [412, 'S3GATE_TUS_VERSION'], 'Tus-Resumable is required');
  const oldVersion = await tusRequest(up, 'POST', { ...who.auth, 'tus-resumable': '0.2.2', 'upload-length': '5' });
  t.same([oldVersion.status, oldVersion.code], [412, 'S3GATE_TUS_VERSION']);
  t.equal(oldVersion.headers.get('tus-version'), '1.0.0', '412 names the version spoken');
  const anonymous = await tusRequest(up, 'POST', { 'upload-length': '5' });
  t.same([anonymous.status, anonymous.code], [401, 'S3GATE_UNAUTHORIZED']);
  const noLength = await tusRequest(up, 'POST', { ...who.auth, 'upload-metadata': metadataHeader({ bucket: b, key: 'k' }) });
  t.same([noLength.status, noLength.code], [400, 'S3GATE_TUS_INVALID']);
  t.match(noLength.message, /Upload-Length/);
  const deferred = await tusRequest(up, 'POST', { ...who.auth, 'upload-defer-length': '1', 'upload-metadata': metadataHeader({ bucket: b, key: 'k' }) });
  t.same([deferred.status, deferred.code], [501, 'S3GATE_TUS_UNSUPPORTED'], 'a deferred length is not offered');
  const oversize = await tusRequest(up, 'POST', { ...who.auth, 'upload-length': String(20 * MiB + 1), 'upload-metadata': metadataHeader({ bucket: b, key: 'big' }) });
  t.same([oversize.status, oversize.code], [413, 'S3GATE_PAYLOAD_TOO_LARGE'], 'over limits.maxObjectSize at creation');
  t.match(oversize.message, /limits\.maxObjectSize/);
  const noBucket = await tusRequest(up, 'POST', { ...who.auth, 'upload-length': '5', 'upload-metadata': metadataHeader({ key: 'k' }) });
  t.same([noBucket.status, noBucket.code], [400, 'S3GATE_TUS_INVALID']);
  const badBucket = await tusRequest(up, 'POST', { ...who.auth, 'upload-length': '5', 'upload-metadata': metadataHeader({ bucket: 'No_Such', key: 'k' }) });
  t.same([badBucket.status, badBucket.code], [400, 'S3GATE_INVALID_BUCKET_NAME']);
  const missingBucket = await tusRequest(up, 'POST', { ...who.auth, 'upload-length': '5', 'upload-metadata': metadataHeader({ bucket: uniqueBucket('none'), key: 'k' }) });
  t.same([missingBucket.status, missingBucket.code], [404, 'S3GATE_BUCKET_NOT_FOUND']);
  const badMeta = await tusRequest(up, 'POST', { ...who.auth, 'upload-length': '5', 'upload-metadata': 'bucket !!!' });
  t.same([badMeta.status, badMeta.code], [400, 'S3GATE_TUS_INVALID'], 'Upload-Metadata that is not base64');
  const ifMatch = await tusRequest(up, 'POST', { ...who.auth, 'upload-length': '5', 'upload-metadata': metadataHeader({ bucket: b, key: 'k', ifNoneMatch: 'abc' }) });
  t.same([ifMatch.status, ifMatch.code], [400, 'S3GATE_PRECONDITION_UNSUPPORTED']);

  const data = randomBytes(7 * MiB);
  const url = await create(base, who.auth, data.length, { bucket: b, key: 'k.bin' });
  t.equal(await openUploads(app, who, b), 1, 'the upload is a multipart upload in RGW, tracked by the gateway');

  const wrongOffset = await patch(url, who.auth, 10, data.subarray(10, 20));
  t.same([wrongOffset.status, wrongOffset.code], [409, 'S3GATE_OFFSET_CONFLICT'], 'a wrong offset');
  const noOffset = await tusRequest(url, 'PATCH', { ...who.auth, 'content-type': 'application/offset+octet-stream' }, 'x');
  t.same([noOffset.status, noOffset.code], [400, 'S3GATE_TUS_INVALID']);
  const wrongType = await tusRequest(url, 'PATCH', { ...who.auth, 'upload-offset': '0', 'content-type': 'application/octet-stream' }, 'x');
  t.same([wrongType.status, wrongType.code], [415, 'S3GATE_UNSUPPORTED_MEDIA_TYPE'], 'PATCH takes application/offset+octet-stream');
  const newLength = await patch(url, who.auth, 0, data.subarray(0, 10), { 'upload-length': String(data.length + 1) });
  t.same([newLength.status, newLength.code], [400, 'S3GATE_TUS_INVALID'], 'Upload-Length cannot change after creation');
  const pastEnd = await patch(url, who.auth, 0, Buffer.concat([data, Buffer.from('more')]));
  t.same([pastEnd.status, pastEnd.code], [413, 'S3GATE_PAYLOAD_TOO_LARGE'], 'a body past Upload-Length');
  const foreign = await tusRequest(url, 'HEAD', other.auth);
  t.equal(foreign.status, 404, "another tenant's key does not find the upload");
  const foreignPatch = await patch(url, other.auth, 0, data.subarray(0, 10));
  t.same([foreignPatch.status, foreignPatch.code], [404, 'S3GATE_UPLOAD_NOT_FOUND']);
  t.equal((await tusRequest(url, 'HEAD', who.auth)).headers.get('upload-offset'), '0', 'none of that was stored');

  // Checksums: a mismatch stores nothing, even a whole part's worth; a match stores it.
  const sha1 = (b: Buffer) => createHash('sha1').update(b).digest('base64');
  const first = data.subarray(0, 6 * MiB);
  const mismatch = await patch(url, who.auth, 0, first, { 'upload-checksum': `sha1 ${sha1(Buffer.from('not it'))}` });
  t.same([mismatch.status, mismatch.code], [460, 'S3GATE_CHECKSUM_MISMATCH'], 'a body that does not match its checksum');
  t.equal((await tusRequest(url, 'HEAD', who.auth)).headers.get('upload-offset'), '0', 'nothing of it counts');
  const unknownAlg = await patch(url, who.auth, 0, first, { 'upload-checksum': `crc99 ${sha1(first)}` });
  t.same([unknownAlg.status, unknownAlg.code], [400, 'S3GATE_TUS_INVALID']);
  const good = await patch(url, who.auth, 0, first, { 'upload-checksum': `sha1 ${sha1(first)}` });
  t.equal(good.status, 204);
  t.equal(good.headers.get('upload-offset'), String(first.length));
  const sha256b64 = createHash('sha256').update(data.subarray(first.length)).digest('base64');
  const rest = await patch(url, who.auth, first.length, data.subarray(first.length), { 'upload-checksum': `sha256 ${sha256b64}` });
  t.equal(rest.status, 204);
  t.equal(sha256((await object(base, who, b, 'k.bin')).body), sha256(data), 'the object is the checked bytes');

  // Termination aborts the multipart upload at once; the URL is gone afterwards.
  const doomed = await create(base, who.auth, data.length, { bucket: b, key: 'doomed' });
  t.equal((await patch(doomed, who.auth, 0, data.subarray(0, 6 * MiB))).status, 204);
  const del = await tusRequest(doomed, 'DELETE', who.auth);
  t.equal(del.status, 204);
  t.equal(await openUploads(app, who, b), 0, 'DELETE aborted the multipart upload');
  const after = await patch(doomed, who.auth, 6 * MiB, data.subarray(6 * MiB));
  t.same([after.status, after.code], [404, 'S3GATE_UPLOAD_NOT_FOUND'], 'a PATCH after termination');
  t.equal((await object(base, who, b, 'doomed')).status, 404, 'nothing was stored');

  // Create-only: refused when the key exists, at creation and at completion.
  const exists = await tusRequest(up, 'POST', { ...who.auth, 'upload-length': '3', 'upload-metadata': metadataHeader({ bucket: b, key: 'k.bin', ifNoneMatch: '*' }) });
  t.same([exists.status, exists.code], [412, 'S3GATE_PRECONDITION_FAILED']);
  const race = await create(base, who.auth, 3, { bucket: b, key: 'raced', ifNoneMatch: '*' });
  await fetch(`${base}/v1/buckets/${b}/objects/raced`, { method: 'PUT', headers: who.auth, body: 'first' });
  const lost = await patch(race, who.auth, 0, Buffer.from('abc'));
  t.same([lost.status, lost.code], [412, 'S3GATE_PRECONDITION_FAILED'], 'the key appeared meanwhile: the upload is refused at completion');
  t.equal((await object(base, who, b, 'raced')).body.toString(), 'first', 'the existing object is untouched');
  t.equal(await openUploads(app, who, b), 0);
});

t.test('one writer at a time: a concurrent PATCH gets 423 Locked, across two processes on PostgreSQL', async (t) => {
  const dataDir = tempDir(t);
  const a = await testApp(t, { db: 'postgres', dataDir, env: { S3GATE_TUS_LOCK_TTL_MS: '1000' } });
  const b = await testApp(t, { dataDir, config: { databaseUrl: a.config.databaseUrl }, env: { S3GATE_TUS_LOCK_TTL_MS: '1000' } });
  const [baseA, baseB] = [await listen(a), await listen(b)];
  const who = await tenant(a, 'locks', 'disk');
  const bkt = await bucket(baseA, who);
  const data = randomBytes(8 * MiB);
  const url = await create(baseA, who.auth, data.length, { bucket: bkt, key: 'one-writer' });
  const onB = url.replace(baseA, baseB);

  const held = heldPatch(url, who.auth, 0, data, MiB);
  await new Promise((r) => setTimeout(r, 300));
  const second = await patch(onB, who.auth, 0, data);
  t.same([second.status, second.code], [423, 'S3GATE_UPLOAD_LOCKED'], 'the other process refuses while the first writes');
  const sameProcess = await patch(url, who.auth, 0, data);
  t.equal(sameProcess.status, 423, 'so does the same process');
  const head = await tusRequest(onB, 'HEAD', who.auth);
  t.same([head.status, head.headers.get('upload-offset')], [200, '0'], 'HEAD reads without waiting for the writer');
  await new Promise((r) => setTimeout(r, 1500));
  t.equal((await patch(onB, who.auth, 0, data)).status, 423, 'a live writer renews its lease past the TTL');
  held.finish();
  const first = await held.answered;
  t.equal(first.status, 204);
  const done = await tusRequest(onB, 'HEAD', who.auth);
  t.equal(done.headers.get('upload-offset'), String(data.length), 'the other process sees the offset at once');
  t.equal(sha256((await object(baseB, who, bkt, 'one-writer')).body), sha256(data));
});

t.test('upload slots and the rate limit apply to tus as to every upload', async (t) => {
  const app = await testApp(t);
  const base = await listen(app);
  const who = await tenant(app, 'slots', 'disk', { maxConcurrentUploads: 1 });
  const bkt = await bucket(base, who);
  const data = randomBytes(12 * MiB);
  const one = await create(base, who.auth, data.length, { bucket: bkt, key: 'one' });
  const two = await create(base, who.auth, data.length, { bucket: bkt, key: 'two' });
  const held = heldPatch(one, who.auth, 0, data, 6 * MiB);
  await new Promise((r) => setTimeout(r, 300));
  const busy = await patch(two, who.auth, 0, data);
  t.same([busy.status, busy.code], [429, 'S3GATE_TOO_MANY_UPLOADS'], "the tenant's upload cap holds");
  t.equal(busy.headers.get('retry-after'), '1');
  held.finish();
  t.equal((await held.answered).status, 204);

  // Bytes held in memory (too few to fill a part) count as an upload in progress too.
  const three = await create(base, who.auth, data.length, { bucket: bkt, key: 'three' });
  const small = heldPatch(three, who.auth, 0, data.subarray(0, 3 * MiB), MiB);
  await new Promise((r) => setTimeout(r, 300));
  const refused = await patch(two, who.auth, 0, data);
  t.same([refused.status, refused.code], [429, 'S3GATE_TOO_MANY_UPLOADS'], 'a PATCH collecting a tail holds the slot');
  small.finish();
  t.equal((await small.answered).status, 204);
  t.equal((await tusRequest(three, 'HEAD', who.auth)).headers.get('upload-offset'), String(3 * MiB));

  // Unfinished uploads are capped per tenant (each holds a multipart upload and up to a part of bytes).
  const capped = await tenant(app, 'capped', 'disk', { maxResumableUploads: 2 });
  const cb = await bucket(base, capped);
  const u1 = await create(base, capped.auth, 10, { bucket: cb, key: 'a' });
  await create(base, capped.auth, 10, { bucket: cb, key: 'b' });
  const third = await tusRequest(`${base}/v1/uploads`, 'POST', { ...capped.auth, 'upload-length': '10', 'upload-metadata': metadataHeader({ bucket: cb, key: 'c' }) });
  t.same([third.status, third.code], [429, 'S3GATE_TOO_MANY_RESUMABLE_UPLOADS']);
  t.match(third.message, /limits\.maxResumableUploads/);
  t.equal((await patch(u1, capped.auth, 0, Buffer.alloc(10))).status, 204, 'finishing one…');
  t.equal((await tusRequest(`${base}/v1/uploads`, 'POST', { ...capped.auth, 'upload-length': '10', 'upload-metadata': metadataHeader({ bucket: cb, key: 'c' }) })).status, 201, '…makes room');

  const limited = await tenant(app, 'rate', 'disk', { requestsPerSecond: 1, burst: 1 });
  const lb = `${base}/v1/uploads`;
  await tusRequest(lb, 'OPTIONS');
  const r1 = await tusRequest(lb, 'POST', { ...limited.auth, 'upload-length': '1', 'upload-metadata': metadataHeader({ bucket: 'whatever', key: 'k' }) });
  const r2 = await tusRequest(lb, 'POST', { ...limited.auth, 'upload-length': '1', 'upload-metadata': metadataHeader({ bucket: 'whatever', key: 'k' }) });
  t.not(r1.status, 429);
  t.same([r2.status, r2.code], [429, 'S3GATE_RATE_LIMITED']);
});

t.test('presigned tus URLs: no API key, bound to their target and their upload', async (t) => {
  const app = await testApp(t);
  const base = await listen(app);
  const who = await tenant(app, 'signed', 'rgw');
  const bkt = await bucket(base, who);
  const presign = async (body: Record<string, unknown>) => {
    const res = await fetch(`${base}/v1/presign`, { method: 'POST', headers: { ...who.auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return (await res.json()) as { url: string; method: string; headers: Record<string, string>; expiresAt: string };
  };
  const p = await presign({ bucket: bkt, key: 'from-browser.bin', method: 'TUS', expiresIn: 600 });
  t.equal(p.method, 'TUS');
  t.match(p.url, new RegExp(`^${base}/v1/uploads\\?`));
  t.same(p.headers, { 'tus-resumable': '1.0.0' });
  const data = randomBytes(6 * MiB + 7);
  const run = await tusUpload(p.url, data, { chunkSize: 5 * MiB, metadata: { filename: 'ignored.bin', filetype: 'application/x-test' } });
  t.match(run.url, /\/v1\/uploads\/[0-9a-f]{32}\?.*signature=/, 'the upload URL carries its own signature');
  const got = await object(base, who, bkt, 'from-browser.bin');
  t.equal(sha256(got.body), sha256(data), 'stored at the presigned key');
  t.equal(got.headers.get('content-type'), 'application/x-test');

  const tampered = p.url.replace(/signature=[^&]+/, 'signature=AAAA');
  const bad = await tusRequest(tampered, 'POST', { 'upload-length': '1' });
  t.same([bad.status, bad.code], [403, 'S3GATE_PRESIGN_INVALID']);
  const otherKey = await tusRequest(p.url, 'POST', { 'upload-length': '1', 'upload-metadata': metadataHeader({ key: 'elsewhere' }) });
  t.same([otherKey.status, otherKey.code], [403, 'S3GATE_PRESIGN_INVALID'], 'the grant names one key');
  const moved = await tusRequest(p.url.replace(/key=[^&]+/, 'key=elsewhere'), 'POST', { 'upload-length': '1' });
  t.equal(moved.status, 403, 'the key in the URL is signed');
  const apiOnly = await tusRequest(`${base}/v1/uploads`, 'POST', { 'upload-length': '1' });
  t.equal(apiOnly.status, 401);

  // An upload URL opens its own upload only.
  const u1 = new URL(run.url);
  const other = await create(base, who.auth, 10, { bucket: bkt, key: 'other' });
  const otherId = new URL(other).pathname.split('/').pop();
  const swapped = await patch(`${base}/v1/uploads/${otherId}${u1.search}`, {}, 0, Buffer.from('x'));
  t.same([swapped.status, swapped.code], [403, 'S3GATE_PRESIGN_INVALID']);
  t.equal((await tusRequest(run.url, 'HEAD')).headers.get('upload-offset'), String(data.length));
  const creationUrlOnUpload = await patch(`${base}/v1/uploads/${otherId}${new URL(p.url).search}`, {}, 0, Buffer.from('x'));
  t.same([creationUrlOnUpload.status, creationUrlOnUpload.code], [403, 'S3GATE_PRESIGN_INVALID'], 'the creation URL is not an upload URL');

  const expired = await presign({ bucket: bkt, key: 'x', method: 'TUS', expiresIn: 1 });
  await new Promise((r) => setTimeout(r, 2100));
  const late = await tusRequest(expired.url, 'POST', { 'upload-length': '1' });
  t.same([late.status, late.code], [403, 'S3GATE_PRESIGN_INVALID']);
  t.match(late.message, /expired/);

  const typed = await presign({ bucket: bkt, key: 'typed', method: 'TUS', expiresIn: 600, contentType: 'image/png' });
  const wrongType = await tusRequest(typed.url, 'POST', { 'upload-length': '1', 'upload-metadata': metadataHeader({ filetype: 'text/html' }) });
  t.same([wrongType.status, wrongType.code], [403, 'S3GATE_PRESIGN_INVALID'], 'a presigned content type is enforced');

  // GraphQL hands out the same URL.
  const gql = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { ...who.auth, 'content-type': 'application/json' },
    body: JSON.stringify({ query: `mutation { createUploadUrl(bucket: "${bkt}", key: "gql.txt", protocol: TUS, expiresIn: 60) { url method headers } }` }),
  });
  const out = ((await gql.json()) as { data: { createUploadUrl: { url: string; method: string; headers: Record<string, string> } } }).data.createUploadUrl;
  t.equal(out.method, 'TUS');
  await tusUpload(out.url, Buffer.from('via graphql'));
  t.equal((await object(base, who, bkt, 'gql.txt')).body.toString(), 'via graphql');
  t.equal(await openUploads(app, who, bkt), 1, 'only the upload left unfinished on purpose is open');
});

t.test('CORS: listed origins may use the API from a page; discovery answers without credentials', async (t) => {
  const app = await testApp(t, { env: { S3GATE_CORS_ORIGINS: 'http://page.example:8080' } });
  const base = await listen(app);
  const who = await tenant(app, 'cors', 'disk');
  const bkt = await bucket(base, who);
  const preflight = await fetch(`${base}/v1/uploads`, {
    method: 'OPTIONS',
    headers: { origin: 'http://page.example:8080', 'access-control-request-method': 'POST', 'access-control-request-headers': 'tus-resumable,upload-length,upload-metadata,authorization' },
  });
  t.equal(preflight.status, 204);
  t.equal(preflight.headers.get('access-control-allow-origin'), 'http://page.example:8080');
  t.match(preflight.headers.get('access-control-allow-methods'), /PATCH/);
  t.match(preflight.headers.get('access-control-allow-headers'), /upload-metadata/);
  const stranger = await fetch(`${base}/v1/uploads`, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
  t.equal(stranger.headers.get('access-control-allow-origin'), null, 'an origin not listed gets no CORS');
  const created = await tusRequest(`${base}/v1/uploads`, 'POST', {
    ...who.auth,
    origin: 'http://page.example:8080',
    'upload-length': '2',
    'upload-metadata': metadataHeader({ bucket: bkt, key: 'c' }),
  });
  t.equal(created.status, 201);
  t.equal(created.headers.get('access-control-allow-origin'), 'http://page.example:8080');
  const exposed = created.headers.get('access-control-expose-headers') ?? '';
  for (const h of ['Location', 'Upload-Offset', 'Upload-Length', 'Tus-Resumable', 'Upload-Expires']) t.match(exposed, h, `${h} is readable by the page`);
  const refused = await tusRequest(`${base}/v1/uploads`, 'POST', { origin: 'http://page.example:8080', 'upload-length': '2' });
  t.equal(refused.status, 401);
  t.equal(refused.headers.get('access-control-allow-origin'), 'http://page.example:8080', 'refusals are readable by the page too');

  const discovery = await tusRequest(`${base}/v1/uploads`, 'OPTIONS', { 'tus-resumable': '' });
  t.equal(discovery.status, 204);
  t.equal(discovery.headers.get('tus-version'), '1.0.0');
  t.same(discovery.headers.get('tus-extension')?.split(','), ['creation', 'creation-with-upload', 'termination', 'expiration', 'checksum']);
  t.same(discovery.headers.get('tus-checksum-algorithm')?.split(','), ['sha1', 'sha256', 'md5']);

  const closed = await testApp(t);
  const closedBase = await listen(closed);
  const noCors = await fetch(`${closedBase}/v1/uploads`, { method: 'OPTIONS', headers: { origin: 'http://page.example:8080', 'access-control-request-method': 'POST' } });
  t.equal(noCors.headers.get('access-control-allow-origin'), null, 'no origin is allowed unless listed');
});

t.test('expired uploads are refused, then aborted in S3 and removed by the sweep', async (t) => {
  const app = await testApp(t, { env: { S3GATE_MULTIPART_MAX_AGE_HOURS: String(1.5 / 3600) } });
  const base = await listen(app);
  const who = await tenant(app, 'expiry', 'rgw');
  const bkt = await bucket(base, who);
  const data = randomBytes(6 * MiB + 100);
  const url = await create(base, who.auth, data.length + 10, { bucket: bkt, key: 'late' });
  const first = await patch(url, who.auth, 0, data);
  t.equal(first.status, 204);
  t.ok(first.headers.get('upload-expires'), 'Upload-Expires tells the client its deadline');
  t.equal(first.headers.get('upload-offset'), String(data.length), 'a part and a tail are kept');
  await new Promise((r) => setTimeout(r, 1700));
  const late = await patch(url, who.auth, data.length, Buffer.alloc(10));
  t.same([late.status, late.code], [410, 'S3GATE_UPLOAD_EXPIRED']);
  t.equal(await app.services.tus.sweep(), 1);
  t.equal(await openUploads(app, who, bkt), 0, 'the multipart upload is aborted in RGW');
  t.equal((await tusRequest(url, 'HEAD', who.auth)).status, 404, 'and the upload is gone');
  t.equal((await object(base, who, bkt, 'late')).status, 404);
});
