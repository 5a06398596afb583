import { CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, ListObjectsCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import t from 'tap';
import { testApp } from '../helpers/app.js';
import { codeOf, doorTenant, doorUrl, sdk, signed, type Driver } from '../helpers/door.js';
import { rawRequest } from '../helpers/http.js';
import { uniqueBucket } from '../helpers/rgw.js';

// S3's exact answers where a client (or Ceph's s3-tests) looks closely, on both drivers.
for (const driver of ['disk', 'rgw'] as Driver[]) {
  t.test(`S3's exact answers (${driver})`, async (t) => {
    const app = await testApp(t);
    const { key } = await doorTenant(app, `ans-${driver}`, driver);
    const url = await doorUrl(app);
    const s3 = sdk(url, key);
    const bucket = uniqueBucket('ans');

    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'kept', Body: 'still here' }));
    const again = await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    t.equal(again.$metadata.httpStatusCode, 200, 'creating an owned bucket again in us-east-1 succeeds');
    t.equal(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'kept' }))).Body!.transformToString(), 'still here', 'and overrides nothing');

    // A 304 names the ETag that matched (RGW 16 leaves it out; the door does not).
    const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'etagged', Body: 'e' }));
    const cond = await signed(url, key, { method: 'GET', path: `/${bucket}/etagged`, payloadHash: 'UNSIGNED-PAYLOAD' });
    const notModified = await rawRequest(url, { method: 'GET', path: cond.path, headers: { ...cond.headers, 'if-none-match': put.ETag! } });
    t.same([notModified.status, notModified.headers.etag], [304, put.ETag]);

    // ListObjects V1 answers Prefix as asked, also with encoding-type=url (botocore does not decode it).
    const path = `/${bucket}`;
    const query = { prefix: '\n', 'encoding-type': 'url' };
    const req = await signed(url, key, { method: 'GET', path, query, payloadHash: 'UNSIGNED-PAYLOAD' });
    const v1 = await rawRequest(url, { method: 'GET', path: req.path, headers: req.headers });
    t.equal(v1.status, 200);
    t.match(v1.body, '<Prefix>\n</Prefix>', 'the prefix is not percent-encoded');
    const listed = await s3.send(new ListObjectsCommand({ Bucket: bucket, Prefix: 'ke' }));
    t.same([listed.Prefix, listed.Contents?.map((o) => o.Key)], ['ke', ['kept']]);

    // A part sent twice: the completion may list both answers; the later entry, the last upload, is the part.
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'twice' }));
    const first = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'twice', UploadId: up.UploadId, PartNumber: 1, Body: 'AAAA' }));
    const second = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'twice', UploadId: up.UploadId, PartNumber: 1, Body: 'BBBB' }));
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: 'twice',
        UploadId: up.UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: first.ETag },
            { PartNumber: 1, ETag: second.ETag },
          ],
        },
      }),
    );
    t.equal(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'twice' }))).Body!.transformToString(), 'BBBB');
    const misordered = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'order' }));
    const p1 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'order', UploadId: misordered.UploadId, PartNumber: 1, Body: 'x'.repeat(5 * 1024 * 1024) }));
    const p2 = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'order', UploadId: misordered.UploadId, PartNumber: 2, Body: 'y' }));
    const body = `<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>${p2.ETag}</ETag></Part><Part><PartNumber>1</PartNumber><ETag>${p1.ETag}</ETag></Part></CompleteMultipartUpload>`;
    const c = await signed(url, key, { method: 'POST', path: `/${bucket}/order`, query: { uploadId: misordered.UploadId! }, payloadHash: 'UNSIGNED-PAYLOAD' });
    const res = await rawRequest(url, { method: 'POST', path: c.path, headers: { ...c.headers, 'content-length': String(body.length) }, body });
    t.same([res.status, codeOf(res.body)], [400, 'InvalidPartOrder'], 'a descending list is still refused');
  });
}
