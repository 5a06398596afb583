import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { bearer, tempDir, testApp } from '../helpers/app.js';
import { codeOf, doorTenant, doorUrl, type Driver } from '../helpers/door.js';
import { rawRequest } from '../helpers/http.js';
import { uniqueBucket } from '../helpers/rgw.js';

// Signature Version 2 as the clients that send it compute it: boto3 presigns with it in us-east-1 unless
// told otherwise (Debian's 1.26 and pip's 1.43), signature_version='s3' signs headers with it, and
// s3cmd --signature-v2. The door verifies both forms and refuses what S3 refuses.
const run = promisify(execFile);
const script = fileURLToPath(new URL('./clients/boto3_sigv2.py', import.meta.url));
const PYTHONS = [
  ['boto3 1.26 (Debian)', '/usr/bin/python3'],
  ['boto3 1.43 (pip)', 'python3'],
] as const;

interface Boto3Out {
  boto3: string;
  getUrl: string;
  getOverrideUrl: string;
  putUrl: string;
  putTypedUrl: string;
  expiredUrl: string;
  get: [string, Record<string, string>, string, string];
  list: string[];
  multipart: number | null;
  keys: string[];
}

for (const driver of ['disk', 'rgw'] as Driver[]) {
  t.test(`SigV2 through the door (${driver})`, async (t) => {
    const app = await testApp(t);
    const { key, apiKey } = await doorTenant(app, `v2-${driver}`, driver);
    const url = await doorUrl(app);

    for (const [label, python] of PYTHONS) {
      t.test(label, async (t) => {
        const bucket = uniqueBucket('v2');
        await app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}`, headers: bearer(apiKey) });
        const { stdout } = await run(python, [script, url, key.accessKeyId, key.secretAccessKey, bucket], {
          env: { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
        });
        const out = JSON.parse(stdout) as Boto3Out;
        t.match(out.getUrl, /[?&]AWSAccessKeyId=[^&]+&Signature=[^&]+&Expires=\d+/, `${out.boto3} presigns with SigV2 by default`);
        t.same(out.get, ['hello sigv2', { a: 'b' }, 'text/plain', 'no-store'], 'SigV2 header auth: put, get with an override');
        t.same(out.list, ['pre.txt']);
        if (out.multipart !== null) t.equal(out.multipart, 1024, 'a multipart upload signed with SigV2');
        t.same(out.keys, ['mp.bin', 'pre.txt']);

        const got = await fetch(out.getUrl);
        t.same([got.status, await got.text()], [200, 'hello sigv2'], 'the default presigned GET URL works');
        const over = await fetch(out.getOverrideUrl);
        t.same([over.status, over.headers.get('content-type')], [200, 'text/x-over ride'], 'a signed response-* override');
        // Bytes, not a string: fetch would add a Content-Type the URL was not signed with.
        const put = await fetch(out.putUrl, { method: 'PUT', body: Buffer.from('by url') });
        t.equal(put.status, 200, 'the default presigned PUT URL works');
        const typed = await fetch(out.putTypedUrl, { method: 'PUT', body: 'a,b', headers: { 'content-type': 'text/csv', 'x-amz-meta-by': 'boto3' } });
        t.equal(typed.status, 200, 'a presigned PUT with its signed Content-Type and metadata');
        const back = await app.inject({ method: 'GET', url: `/v1/buckets/${bucket}/objects/${encodeURIComponent('put by url.txt')}`, headers: bearer(apiKey) });
        t.equal(back.body, 'by url');

        // What S3 refuses stays refused.
        const expired = await fetch(out.expiredUrl);
        t.same([expired.status, codeOf(await expired.text())], [403, 'AccessDenied'], 'an expired URL');
        const copyFrom = await fetch(out.putUrl, { method: 'PUT', body: Buffer.alloc(0), headers: { 'x-amz-copy-source': `${bucket}/pre.txt` } });
        t.same([copyFrom.status, codeOf(await copyFrom.text())], [403, 'SignatureDoesNotMatch'], 'an x-amz-* header added to a presigned PUT breaks its signature');
        const otherKey = await fetch(out.getUrl.replace('pre.txt', 'copy.txt'));
        t.same([otherKey.status, codeOf(await otherKey.text())], [403, 'SignatureDoesNotMatch'], 'another key with the same signature');
        const asPut = await fetch(out.getUrl, { method: 'PUT', body: Buffer.from('x') });
        t.same([asPut.status, codeOf(await asPut.text())], [403, 'SignatureDoesNotMatch'], 'a GET URL used to PUT');
        const later = out.getUrl.replace(/Expires=(\d+)/, (_m, n) => `Expires=${Number(n) + 3600}`);
        t.same([(await fetch(later)).status], [403], 'a URL whose expiry was pushed back');

        const events = (await app.inject({ method: 'GET', url: `/v1/events?bucket=${bucket}&limit=100`, headers: bearer(apiKey) })).json().events as { type: string; data: { key: string } }[];
        t.ok(
          events.some((e) => e.type === 's3:ObjectCreated:Put' && e.data.key === 'put by url.txt'),
          'a SigV2 write is an event like any other',
        );
      });
    }

    t.test('s3cmd --signature-v2', async (t) => {
      const dir = tempDir(t);
      const bucket = uniqueBucket('v2cmd');
      const host = new URL(url).host;
      const s3cmd = async (...args: string[]) =>
        (
          await run(
            's3cmd',
            [`--access_key=${key.accessKeyId}`, `--secret_key=${key.secretAccessKey}`, `--host=${host}`, `--host-bucket=${host}`, '--no-ssl', '--signature-v2', '--config=/dev/null', ...args],
            { env: { ...process.env, HOME: dir } },
          )
        ).stdout;
      writeFileSync(join(dir, 'a file.txt'), 'from s3cmd');
      await s3cmd('mb', `s3://${bucket}`);
      await s3cmd('put', join(dir, 'a file.txt'), `s3://${bucket}/dir/a file.txt`);
      t.match(await s3cmd('ls', '--recursive', `s3://${bucket}`), /dir\/a file\.txt/);
      await s3cmd('get', '--force', `s3://${bucket}/dir/a file.txt`, join(dir, 'back.txt'));
      t.equal((await run('cat', [join(dir, 'back.txt')])).stdout, 'from s3cmd');
      await s3cmd('del', `s3://${bucket}/dir/a file.txt`);
      await s3cmd('rb', `s3://${bucket}`);
    });

    t.test('refusals before the signature is checked', async (t) => {
      const old = new Date(Date.now() - 3600_000).toUTCString();
      const skewed = await rawRequest(url, { method: 'GET', path: '/', headers: { date: old, authorization: `AWS ${key.accessKeyId}:AAAAAAAAAAAAAAAAAAAAAAAAAAA=` } });
      t.same([skewed.status, codeOf(skewed.body)], [403, 'RequestTimeTooSkewed']);
      const now = new Date().toUTCString();
      const unknown = await rawRequest(url, { method: 'GET', path: '/', headers: { date: now, authorization: 'AWS NOSUCHKEY:AAAAAAAAAAAAAAAAAAAAAAAAAAA=' } });
      t.same([unknown.status, codeOf(unknown.body)], [403, 'InvalidAccessKeyId']);
      const wrong = await rawRequest(url, { method: 'GET', path: '/', headers: { date: now, authorization: `AWS ${key.accessKeyId}:AAAAAAAAAAAAAAAAAAAAAAAAAAA=` } });
      t.same([wrong.status, codeOf(wrong.body)], [403, 'SignatureDoesNotMatch']);
      const malformed = await rawRequest(url, { method: 'GET', path: '/', headers: { date: now, authorization: `AWS ${key.accessKeyId}` } });
      t.same([malformed.status, codeOf(malformed.body)], [400, 'InvalidArgument']);
      const partial = await rawRequest(url, { method: 'GET', path: `/?AWSAccessKeyId=${key.accessKeyId}&Signature=abc` });
      t.same([partial.status, codeOf(partial.body)], [403, 'AccessDenied'], 'a presigned query without Expires');
    });
  });
}

t.test('S3GATE_S3_SIGV2=false refuses SigV2 with S3 own error', async (t) => {
  const app = await testApp(t, { env: { S3GATE_S3_SIGV2: 'false' } });
  const { key } = await doorTenant(app, 'v2-off', 'disk');
  const url = await doorUrl(app);
  const res = await rawRequest(url, { method: 'GET', path: '/', headers: { date: new Date().toUTCString(), authorization: `AWS ${key.accessKeyId}:AAAAAAAAAAAAAAAAAAAAAAAAAAA=` } });
  t.same([res.status, codeOf(res.body)], [400, 'InvalidRequest']);
  t.match(res.body, /AWS4-HMAC-SHA256/);
  const query = await rawRequest(url, { method: 'GET', path: `/b/k?AWSAccessKeyId=${key.accessKeyId}&Signature=abc&Expires=99999999999` });
  t.same([query.status, codeOf(query.body)], [400, 'InvalidRequest']);
});
