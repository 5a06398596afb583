import { CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, ListPartsCommand } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import t from 'tap';
import { Sha256 } from '../../src/s3/sha256.js';
import { testApp } from '../helpers/app.js';
import { codeOf, doorTenant, doorUrl, failure, sdk, signed, type S3Key } from '../helpers/door.js';
import { rawRequest } from '../helpers/http.js';
import { uniqueBucket } from '../helpers/rgw.js';

/**
 * A presigned URL as boto3 makes one: `host` is the only signed header. Whoever holds it may send any
 * header along; S3 refuses every x-amz-* header the signature does not cover, since those change the
 * operation (x-amz-copy-source turns a PUT into a copy) or what is stored.
 */
async function presign(url: string, key: S3Key, method: string, path: string, query: Record<string, string> = {}, signedHeaders: Record<string, string> = {}): Promise<string> {
  const u = new URL(url);
  const signer = new SignatureV4({ service: 's3', region: 'us-east-1', credentials: key, sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  // UNSIGNED-PAYLOAD goes into the query, as the SDK's presigner puts it; signed headers stay headers.
  const out = await signer.presign(
    { method, protocol: 'http:', hostname: u.hostname, port: Number(u.port), path, query, headers: { host: u.host, 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD', ...signedHeaders } },
    { expiresIn: 300, unhoistableHeaders: new Set(Object.keys(signedHeaders)) },
  );
  const qs = new URLSearchParams(out.query as Record<string, string>).toString();
  return `${path}?${qs}`;
}

for (const driver of ['disk', 'rgw'] as const) {
  t.test(`${driver}: a presigned URL cannot be turned into another operation with headers it did not sign`, async (t) => {
    const app = await testApp(t);
    const url = await doorUrl(app);
    const { key } = await doorTenant(app, `unsigned-${driver}`, driver);
    const s3 = sdk(url, key);
    const bucket = uniqueBucket('unsigned');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'private/payroll.csv', Body: 'alice,100000', Metadata: { owner: 'hr' } }));

    // The copy: a presigned PUT for upload/u1.txt with x-amz-copy-source added.
    const put = await presign(url, key, 'PUT', `/${bucket}/upload/u1.txt`);
    const extras: Record<string, string>[] = [
      { 'x-amz-copy-source': `${bucket}/private/payroll.csv` },
      { 'x-amz-copy-source': `${bucket}/private/payroll.csv`, 'x-amz-metadata-directive': 'REPLACE', 'x-amz-meta-owner': 'attacker' },
      { 'x-amz-meta-owner': 'attacker' },
      { 'X-Amz-Storage-Class': 'STANDARD' },
    ];
    for (const extra of extras) {
      const res = await rawRequest(url, { method: 'PUT', path: put, headers: extra, body: '' });
      t.same([res.status, codeOf(res.body)], [403, 'AccessDenied'], `presigned PUT with ${Object.keys(extra).join(', ')}`);
      t.match(res.body, /headers present in the request which were not signed/);
      t.match(res.body, new RegExp(`<HeadersNotSigned>[^<]*${Object.keys(extra)[0].toLowerCase()}`));
    }
    t.match(await failure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'upload/u1.txt' }))), { status: 404 }, 'nothing was copied into the key the URL opens');
    const payroll = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'private/payroll.csv' }));
    t.same(payroll.Metadata, { owner: 'hr' }, 'the source is untouched');
    await payroll.Body!.transformToString();

    // The same on a presigned UploadPart: no part copied out of the private object.
    const upload = (await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'upload/big.bin' }))).UploadId!;
    const part = await presign(url, key, 'PUT', `/${bucket}/upload/big.bin`, { partNumber: '1', uploadId: upload });
    const partRes = await rawRequest(url, { method: 'PUT', path: part, headers: { 'x-amz-copy-source': `${bucket}/private/payroll.csv`, 'x-amz-copy-source-range': 'bytes=0-4' }, body: '' });
    t.same([partRes.status, codeOf(partRes.body)], [403, 'AccessDenied'], 'presigned UploadPart turned into UploadPartCopy');
    t.same((await s3.send(new ListPartsCommand({ Bucket: bucket, Key: 'upload/big.bin', UploadId: upload }))).Parts ?? [], [], 'no part was stored');

    // A presigned GET with an unsigned x-amz-* header is refused too (every operation).
    const get = await presign(url, key, 'GET', `/${bucket}/private/payroll.csv`);
    const getRes = await rawRequest(url, { method: 'GET', path: get, headers: { 'x-amz-request-payer': 'requester' } });
    t.same([getRes.status, codeOf(getRes.body)], [403, 'AccessDenied'], 'presigned GET with an unsigned x-amz-request-payer');

    // What the URL was made for still works, and so do x-amz-* headers that were signed.
    t.equal((await rawRequest(url, { method: 'PUT', path: put, body: 'mine' })).status, 200, 'the presigned PUT as made');
    t.equal((await rawRequest(url, { method: 'GET', path: get })).status, 200, 'the presigned GET as made');
    const withMeta = await presign(url, key, 'PUT', `/${bucket}/upload/u2.txt`, {}, { 'x-amz-meta-owner': 'uploader' });
    t.equal((await rawRequest(url, { method: 'PUT', path: withMeta, headers: { 'x-amz-meta-owner': 'uploader' }, body: 'm' })).status, 200, 'a signed x-amz-meta header');
    t.same((await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'upload/u2.txt' }))).Metadata, { owner: 'uploader' });
  });
}

t.test('a header-signed request with an x-amz-* header outside SignedHeaders is refused', async (t) => {
  const app = await testApp(t);
  const url = await doorUrl(app);
  const { key } = await doorTenant(app, 'unsigned-hdr', 'disk');
  const s3 = sdk(url, key);
  const bucket = uniqueBucket('unsigned-hdr');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'secret', Body: 's' }));
  const req = await signed(url, key, { method: 'PUT', path: `/${bucket}/mine`, payloadHash: 'UNSIGNED-PAYLOAD' });
  const res = await rawRequest(url, { method: 'PUT', path: req.path, headers: { ...req.headers, 'x-amz-copy-source': `${bucket}/secret` }, body: '' });
  t.same([res.status, codeOf(res.body)], [403, 'AccessDenied']);
  t.match(await failure(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'mine' }))), { status: 404 });
  // Signed, the same copy is the tenant's own right.
  const ok = await signed(url, key, { method: 'PUT', path: `/${bucket}/mine`, payloadHash: 'UNSIGNED-PAYLOAD', headers: { 'x-amz-copy-source': `${bucket}/secret` } });
  t.equal((await rawRequest(url, { method: 'PUT', path: ok.path, headers: ok.headers, body: '' })).status, 200);
});
