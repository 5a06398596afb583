import { Readable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import t from 'tap';
import { admin, bearer, createTenant, listen, testApp } from '../helpers/app.js';
import { codeOf, doorTenant, doorUrl, sdk, signed } from '../helpers/door.js';
import { rawRequest } from '../helpers/http.js';
import { gqlClient } from '../helpers/graphql.js';
import { metadataHeader, tusRequest } from '../helpers/tus.js';
import { rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';
import { withStore } from '../../src/services/context.js';

for (const driver of ['disk', 'rgw'] as const) {
  t.test(`${driver}: the S3 door stores any Content-Type as S3 does, and refuses response overrides that cannot be headers`, async (t) => {
    const app = await testApp(t);
    const url = await doorUrl(app);
    const { key } = await doorTenant(app, `ct-${driver}`, driver);
    const s3 = sdk(url, key);
    const bucket = uniqueBucket('ct');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    for (const [i, type] of ['x', 'a b', 'text/', 'image/x"', 'text/plain; charset=utf-8'].entries()) {
      const req = await signed(url, key, { method: 'PUT', path: `/${bucket}/k${i}`, payloadHash: 'UNSIGNED-PAYLOAD', headers: { 'content-type': type, 'content-length': '1' } });
      const res = await rawRequest(url, { method: 'PUT', path: req.path, headers: req.headers, body: 'x' });
      t.equal(res.status, 200, `PUT with Content-Type ${JSON.stringify(type)}: ${res.body}`);
      t.equal((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `k${i}` }))).ContentType, type, 'stored as given');
    }
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'doc', Body: 'd' }));
    const overrides: [string, Record<string, string>][] = [
      ['CR/LF in response-content-type', { ResponseContentType: 'text/plain\r\nX-Injected: 1' }],
      ['U+2028 in response-content-disposition', { ResponseContentDisposition: 'attachment; filename="a\u2028b"' }],
      ['NUL in response-cache-control', { ResponseCacheControl: 'no-cache\u0000' }],
    ];
    for (const [what, params] of overrides) {
      const presigned = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'doc', ...params }), { expiresIn: 60 });
      const res = await fetch(presigned);
      const body = await res.text();
      t.same([res.status, codeOf(body)], [400, 'InvalidArgument'], what);
      t.match(res.headers.get('content-type'), /xml/, `${what}: in S3's XML`);
    }
    const fine = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'doc', ResponseContentType: 'text/csv', ResponseContentDisposition: 'attachment; filename="d.csv"' }), {
      expiresIn: 60,
    });
    const ok = await fetch(fine);
    t.equal(ok.status, 200);
    t.equal(ok.headers.get('content-type'), 'text/csv');
    t.equal(await ok.text(), 'd');
  });
}

t.test('a content type that cannot be a header is refused at every entry, and a stored one never breaks a read', async (t) => {
  const app = await testApp(t);
  const base = await listen(app);
  const door = await doorUrl(app);
  const { key: s3key, apiKey } = await doorTenant(app, 'ct-entry', 'disk');
  const auth = bearer(apiKey);
  t.equal((await fetch(`${base}/v1/buckets/ct-entry-b`, { method: 'PUT', headers: auth })).status, 201);

  // Named in the messages rather than shown: a raw U+2028 in a test's message breaks the TAP stream.
  for (const [name, bad] of [
    ['CR/LF', 'text/plain\r\nX-Injected: 1'],
    ['U+2028', 'text/plain\u2028'],
    ['NUL', 'text/plain\u0000'],
  ]) {
    const created = await tusRequest(`${base}/v1/uploads`, 'POST', { ...auth, 'upload-length': '1', 'upload-metadata': metadataHeader({ bucket: 'ct-entry-b', key: 'tus.txt', contentType: bad }) });
    t.same([created.status, created.code], [400, 'S3GATE_VALIDATION'], `tus: ${name}`);
    const gql = await gqlClient(base, apiKey)('mutation($t: String) { putObject(bucket: "ct-entry-b", key: "gql.txt", content: "x", contentType: $t) { key } }', { t: bad });
    t.equal(gql.errors?.[0].extensions.code, 'S3GATE_VALIDATION', `GraphQL: ${name}`);
    const presign = await fetch(`${base}/v1/presign`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ bucket: 'ct-entry-b', key: 'p.txt', method: 'PUT', expiresIn: 60, contentType: bad }),
    });
    t.same([presign.status, ((await presign.json()) as { code: string }).code], [400, 'S3GATE_VALIDATION'], `presign: ${name}`);
  }
  for (const k of ['tus.txt', 'gql.txt']) t.equal((await fetch(`${base}/v1/buckets/ct-entry-b/objects/${k}`, { method: 'HEAD', headers: auth })).status, 404, `${k}: nothing stored`);

  // An object whose stored type cannot be a header (stored before entries were checked).
  const ctx = { tenant: await app.services.tenants.resolve('ct-entry'), log: app.log, signal: new AbortController().signal, origin: base };
  await withStore(app.services.pool, ctx, (s) => s.putObject(ctx, 'ct-entry-b', 'old.txt', Readable.from([Buffer.from('old')]), { contentType: 'text/plain\u2028', metadata: {}, contentLength: 3 }));
  const get = await fetch(`${base}/v1/buckets/ct-entry-b/objects/old.txt`, { headers: auth });
  t.equal(get.status, 200, 'REST GET');
  t.equal(get.headers.get('content-type'), 'application/octet-stream');
  t.equal(await get.text(), 'old');
  t.equal((await fetch(`${base}/v1/buckets/ct-entry-b/objects/old.txt`, { method: 'HEAD', headers: auth })).status, 200, 'REST HEAD');
  const viaDoor = await sdk(door, s3key).send(new GetObjectCommand({ Bucket: 'ct-entry-b', Key: 'old.txt' }));
  t.equal(viaDoor.ContentType, 'application/octet-stream', 'door GET');
  t.equal(await viaDoor.Body!.transformToString(), 'old');
});

t.test('only one clear passive media type is shown inline; a list or anything unclear is a download', async (t) => {
  const app = await testApp(t);
  const base = await listen(app);
  const auth = bearer(await createTenant(app, { id: 'ct-class', driver: 'disk' }));
  t.equal((await fetch(`${base}/v1/buckets/ct-class-b`, { method: 'PUT', headers: auth })).status, 201);
  const cases: [string, boolean][] = [
    ['image/png; charset=x, text/html', true],
    ['text/plain, text/html', true],
    ['image/png,text/html', true],
    ['IMAGE/PNG', false],
    ['image/png ; q=1', false],
    ['text/plain; charset=utf-8', false],
    ['video/mp4', false],
    ['text/html', true],
    ['image/svg+xml', true],
    ['image/png/x', true],
    ['x', true],
  ];
  for (const [i, [type, attachment]] of cases.entries()) {
    t.equal((await fetch(`${base}/v1/buckets/ct-class-b/objects/o${i}`, { method: 'PUT', headers: { ...auth, 'content-type': type }, body: 'b' })).status, 201, `PUT ${type}`);
    const res = await fetch(`${base}/v1/buckets/ct-class-b/objects/o${i}`, { headers: auth });
    await res.arrayBuffer();
    t.equal(res.headers.get('content-disposition'), attachment ? 'attachment' : null, `${JSON.stringify(type)}: ${attachment ? 'a download' : 'inline'}`);
  }
});

t.test("a refused response override leaves no object open: no file, no socket of the tenant's pool", async (t) => {
  const app = await testApp(t);
  const url = await doorUrl(app);
  await createTenant(app, { id: 'ct-pool', driver: 's3', s3: rgwSettings(rgwUser('ct-pool')), pool: { maxSockets: 1, maxQueue: 0 } });
  const key = (await app.inject({ method: 'POST', url: '/admin/tenants/ct-pool/s3-keys', headers: admin })).json() as { accessKeyId: string; secretAccessKey: string };
  const s3 = sdk(url, key);
  const bucket = uniqueBucket('ct-pool');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'doc', Body: 'd' }));
  for (let i = 0; i < 3; i++) {
    const bad = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'doc', ResponseContentType: 'a\r\nb' }), { expiresIn: 60 });
    t.equal((await fetch(bad)).status, 400);
  }
  // With one socket and no queue, an admission left held would make this SlowDown (503).
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'doc' }));
  t.equal(await res.Body!.transformToString(), 'd', 'the pool is free');
});
