import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import t from 'tap';
import { bearer, testApp } from '../helpers/app.js';
import { codeOf, doorTenant, doorUrl, failure, sdk, type Driver } from '../helpers/door.js';
import { uniqueBucket } from '../helpers/rgw.js';

// POST Object: browser form uploads, with the policies boto3's generate_presigned_post signs (SigV2
// fields as it comes in us-east-1, SigV4 fields with s3v4), posted as a browser posts a form.
const run = promisify(execFile);
const script = fileURLToPath(new URL('./clients/boto3_post.py', import.meta.url));

interface Presigned {
  url: string;
  fields: Record<string, string>;
}

function form(fields: Record<string, string>, file: { name: string; body: string | Buffer; type?: string }): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) data.append(name, value);
  data.append('file', new Blob([typeof file.body === 'string' ? file.body : new Uint8Array(file.body)], { type: file.type ?? 'text/plain' }), file.name);
  return data;
}

for (const driver of ['disk', 'rgw'] as Driver[]) {
  t.test(`POST Object (${driver})`, async (t) => {
    const app = await testApp(t);
    const { key, apiKey } = await doorTenant(app, `post-${driver}`, driver);
    const url = await doorUrl(app);
    const s3 = sdk(url, key);
    const bucket = uniqueBucket('post');
    await app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}`, headers: bearer(apiKey) });
    const { stdout } = await run('python3', [script, url, key.accessKeyId, key.secretAccessKey, bucket], {
      env: { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    });
    const forms = JSON.parse(stdout) as { v2: Presigned; v4: Presigned };
    t.ok('AWSAccessKeyId' in forms.v2.fields && 'x-amz-signature' in forms.v4.fields, 'boto3 signs SigV2 fields by default, SigV4 ones with s3v4');
    const read = async (k: string) => (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: k }))).Body!.transformToString();

    for (const [version, p] of Object.entries(forms)) {
      const res = await fetch(p.url, { method: 'POST', body: form(p.fields, { name: `${version}.txt`, body: `hello ${version}` }) });
      t.equal(res.status, 204, `${version}: the form uploads`);
      t.equal(await read(`uploads/${version}.txt`), `hello ${version}`, `${version}: stored at the key with \${filename}`);
    }
    const created = await fetch(forms.v4.url, { method: 'POST', body: form({ ...forms.v4.fields, success_action_status: '201' }, { name: 'c.txt', body: 'c' }) });
    t.same([created.status, /<Key>uploads\/c\.txt<\/Key>/.test(await created.text())], [403, false], 'a field the policy does not name is refused');
    const events = (await app.inject({ method: 'GET', url: `/v1/events?bucket=${bucket}&limit=100`, headers: bearer(apiKey) })).json().events as { type: string; data: { key: string } }[];
    t.same(
      events.filter((e) => e.type === 's3:ObjectCreated:Post').map((e) => e.data.key),
      ['uploads/v2.txt', 'uploads/v4.txt'],
      'each upload is an s3:ObjectCreated:Post event',
    );

    // Outside the policy nothing is stored.
    const big = await fetch(forms.v4.url, { method: 'POST', body: form(forms.v4.fields, { name: 'big.txt', body: Buffer.alloc(2048, 'x') }) });
    t.same([big.status, codeOf(await big.text())], [400, 'EntityTooLarge'], 'over content-length-range');
    const empty = await fetch(forms.v4.url, { method: 'POST', body: form(forms.v4.fields, { name: 'empty.txt', body: '' }) });
    t.same([empty.status, codeOf(await empty.text())], [400, 'EntityTooSmall'], 'under content-length-range');
    const wrongType = await fetch(forms.v2.url, { method: 'POST', body: form({ ...forms.v2.fields, 'Content-Type': 'image/png' }, { name: 'p.txt', body: 'x' }) });
    t.same([wrongType.status, codeOf(await wrongType.text())], [403, 'AccessDenied'], 'a field outside its condition');
    const policy = JSON.parse(Buffer.from(forms.v4.fields.policy, 'base64').toString());
    policy.conditions = policy.conditions.filter((c: unknown) => !Array.isArray(c) || c[0] !== 'content-length-range');
    const tampered = await fetch(forms.v4.url, { method: 'POST', body: form({ ...forms.v4.fields, policy: Buffer.from(JSON.stringify(policy)).toString('base64') }, { name: 't.txt', body: 'x' }) });
    t.same([tampered.status, codeOf(await tampered.text())], [403, 'SignatureDoesNotMatch'], 'a policy changed after signing');
    const padded = await fetch(forms.v4.url, { method: 'POST', body: form({ ...forms.v4.fields, 'x-ignore-pad': 'p'.repeat(30_000) }, { name: 'pad.txt', body: 'x' }) });
    t.same([padded.status, codeOf(await padded.text())], [400, 'MaxPostPreDataLengthExceededError'], 'fields before the file are bounded: they are read before any key is known');
    const anonymous = await fetch(forms.v4.url, { method: 'POST', body: form({ key: 'anon.txt' }, { name: 'a.txt', body: 'x' }) });
    t.same([anonymous.status, codeOf(await anonymous.text())], [403, 'AccessDenied'], 'no signature: the door has no anonymous access');
    for (const k of ['uploads/big.txt', 'uploads/empty.txt', 'uploads/p.txt', 'uploads/t.txt', 'anon.txt']) t.match(await failure(read(k)), { status: 404 }, `${k} was not stored`);

    // A redirect after success, as a browser form uses it.
    const redirect = 'https://app.example/done';
    const withRedirect = await run(
      'python3',
      [
        '-c',
        `import boto3,json,sys;c=boto3.client('s3',endpoint_url=sys.argv[1],region_name='us-east-1',aws_access_key_id=sys.argv[2],aws_secret_access_key=sys.argv[3]);print(json.dumps(c.generate_presigned_post(sys.argv[4],'r.txt',Fields={'success_action_redirect':'${redirect}'},Conditions=[{'success_action_redirect':'${redirect}'}])))`,
        url,
        key.accessKeyId,
        key.secretAccessKey,
        bucket,
      ],
      { env: { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' } },
    );
    const r = JSON.parse(withRedirect.stdout) as Presigned;
    const redirected = await fetch(r.url, { method: 'POST', body: form(r.fields, { name: 'r.txt', body: 'r' }), redirect: 'manual' });
    t.equal(redirected.status, 303);
    t.match(redirected.headers.get('location'), /^https:\/\/app\.example\/done\?bucket=post-[0-9a-f]+&key=r\.txt&etag=%22[0-9a-f]{32}%22$/);
  });
}
