import { CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import t from 'tap';
import { bearer, listen, testApp } from '../helpers/app.js';
import { doorTenant, doorUrl, failure, sdk, type Driver } from '../helpers/door.js';
import { gqlClient } from '../helpers/graphql.js';
import { uniqueBucket } from '../helpers/rgw.js';

// Conditional writes (If-Match / If-None-Match on PutObject and CompleteMultipartUpload), as S3 applies
// them since 2024 and RGW 16 does: the same rules through the door, REST and GraphQL, on both drivers.
for (const driver of ['disk', 'rgw'] as Driver[]) {
  t.test(`conditional writes (${driver})`, async (t) => {
    const app = await testApp(t);
    const { key, apiKey } = await doorTenant(app, `cond-${driver}`, driver);
    const s3 = sdk(await doorUrl(app), key);
    const bucket = uniqueBucket('cond');
    await app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}`, headers: bearer(apiKey) });
    const read = async (Key: string) => (await s3.send(new GetObjectCommand({ Bucket: bucket, Key }))).Body!.transformToString();

    // The door.
    const v1 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v1' }));
    t.match(
      await failure(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'no', IfNoneMatch: '*' }))),
      { name: 'PreconditionFailed', status: 412 },
      'If-None-Match: * on an existing key',
    );
    t.match(
      await failure(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'no', IfMatch: '"0123456789abcdef0123456789abcdef"' }))),
      { name: 'PreconditionFailed', status: 412 },
      'If-Match of another ETag',
    );
    t.match(await failure(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'absent', Body: 'no', IfMatch: '*' }))), { name: 'NoSuchKey', status: 404 }, 'If-Match on an absent key');
    t.equal(await read('k'), 'v1', 'refused writes left the object as it was');
    const v2 = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v2', IfMatch: v1.ETag }));
    t.equal(await read('k'), 'v2', 'If-Match of the current ETag writes');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v3', IfMatch: '*' }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'v4', IfNoneMatch: v2.ETag }));
    t.equal(await read('k'), 'v4', 'If-Match: * and If-None-Match of an old ETag write');
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'new', Body: 'n', IfNoneMatch: '*' }));
    t.equal(await read('new'), 'n', 'If-None-Match: * creates');

    // CompleteMultipartUpload: the condition holds at completion, checked against the object then.
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'k' }));
    const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'k', UploadId: up.UploadId, PartNumber: 1, Body: 'mp' }));
    const complete = (cond: { IfMatch?: string; IfNoneMatch?: string }) =>
      s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'k', UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] }, ...cond }));
    t.match(await failure(complete({ IfNoneMatch: '*' })), { name: 'PreconditionFailed', status: 412 }, 'a completion over an existing key, create-only');
    t.equal(await read('k'), 'v4');
    await complete({ IfMatch: '*' });
    t.equal(await read('k'), 'mp', 'the upload is still there and completes when the condition holds');

    // REST and GraphQL: the same conditions, the gateway's codes.
    const base = await listen(app);
    const rest = (body: string, headers: Record<string, string>) => fetch(`${base}/v1/buckets/${bucket}/objects/k`, { method: 'PUT', headers: { ...bearer(apiKey), ...headers }, body });
    const refused = await rest('no', { 'if-match': '"0123456789abcdef0123456789abcdef"' });
    t.same([refused.status, ((await refused.json()) as { code: string }).code], [412, 'S3GATE_PRECONDITION_FAILED']);
    const absent = await fetch(`${base}/v1/buckets/${bucket}/objects/none`, { method: 'PUT', headers: { ...bearer(apiKey), 'if-match': '*' }, body: 'x' });
    t.same([absent.status, ((await absent.json()) as { code: string }).code], [404, 'S3GATE_OBJECT_NOT_FOUND']);
    const current = (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }))).ETag!;
    const ok = await rest('rest', { 'if-match': current });
    t.equal(ok.status, 201);
    const etag = ((await ok.json()) as { etag: string }).etag;
    const gql = gqlClient(base, apiKey);
    const put = `mutation ($m: String, $n: String) { putObject(bucket: "${bucket}", key: "k", content: "gql", ifMatch: $m, ifNoneMatch: $n) { etag } }`;
    t.equal((await gql(put, { m: 'nope' })).errors?.[0].extensions.code, 'S3GATE_PRECONDITION_FAILED');
    t.equal((await gql(put, { n: etag })).errors?.[0].extensions.code, 'S3GATE_PRECONDITION_FAILED', 'ifNoneMatch of the current ETag');
    t.equal(await read('k'), 'rest');
    t.notOk((await gql(put, { m: etag })).errors, 'ifMatch of the current ETag writes');
    t.equal(await read('k'), 'gql');
  });
}

t.test('concurrent If-None-Match: * writes of one key on the disk driver: exactly one wins', async (t) => {
  const app = await testApp(t);
  const { key } = await doorTenant(app, 'cond-race', 'disk');
  const s3 = sdk(await doorUrl(app), key);
  const bucket = uniqueBucket('race');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const body = Buffer.alloc(256 * 1024, 1);
  const results = await Promise.allSettled(
    Array.from({ length: 8 }, (_, i) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'once', Body: Buffer.concat([body, Buffer.from([i])]), IfNoneMatch: '*' }))),
  );
  t.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'one write stored');
  t.equal(results.filter((r) => r.status === 'rejected' && (r.reason as Error).name === 'PreconditionFailed').length, 7, 'the others refused with 412');
});
