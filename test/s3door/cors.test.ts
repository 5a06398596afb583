import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteBucketCorsCommand,
  GetBucketCorsCommand,
  GetObjectCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { chromium } from 'playwright-core';
import t from 'tap';
import { bearer, testApp } from '../helpers/app.js';
import { codeOf, doorTenant, doorUrl, failure, sdk, type Driver } from '../helpers/door.js';
import { rawRequest } from '../helpers/http.js';
import { uniqueBucket } from '../helpers/rgw.js';

// CORS on the door: the bucket's configuration answers browsers' preflights and adds the response
// headers, as S3 does, on both drivers; and a page on another origin uploads with a POST policy.
const run = promisify(execFile);
const CHROMIUM = '/usr/bin/chromium';
const APP = 'https://app.example';
const preflightOf = (url: string, path: string, origin: string, method: string, headers?: string) =>
  rawRequest(url, { method: 'OPTIONS', path, headers: { origin, 'access-control-request-method': method, ...(headers && { 'access-control-request-headers': headers }) } });

for (const driver of ['disk', 'rgw'] as Driver[]) {
  t.test(`CORS on the door (${driver})`, async (t) => {
    const app = await testApp(t);
    const { key } = await doorTenant(app, `cors-${driver}`, driver);
    const url = await doorUrl(app);
    const s3 = sdk(url, key);
    const bucket = uniqueBucket('cors');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }));

    const none = await preflightOf(url, `/${bucket}/k`, APP, 'GET');
    t.same([none.status, codeOf(none.body)], [403, 'AccessForbidden'], 'no configuration: a preflight is refused');
    const bare = await rawRequest(url, { method: 'OPTIONS', path: `/${bucket}/k` });
    t.same([bare.status, codeOf(bare.body)], [400, 'BadRequest'], 'a preflight without Origin');
    t.match(await failure(s3.send(new GetBucketCorsCommand({ Bucket: bucket }))), { name: 'NoSuchCORSConfiguration', status: 404 });

    await s3.send(
      new PutBucketCorsCommand({
        Bucket: bucket,
        CORSConfiguration: {
          CORSRules: [
            { AllowedOrigins: [APP], AllowedMethods: ['GET', 'PUT', 'POST'], AllowedHeaders: ['x-amz-*', 'content-type'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 600 },
            { AllowedOrigins: ['*'], AllowedMethods: ['HEAD'] },
          ],
        },
      }),
    );
    t.match((await s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules, [{ AllowedOrigins: [APP], ExposeHeaders: ['ETag'], MaxAgeSeconds: 600 }, { AllowedOrigins: ['*'] }]);
    t.match(
      await failure(s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [{ AllowedOrigins: [APP], AllowedMethods: ['PATCH'] }] } }))),
      { status: 400 },
      'a method S3 does not know',
    );

    const ok = await preflightOf(url, `/${bucket}/k`, APP, 'PUT', 'Content-Type, X-Amz-Meta-A');
    t.equal(ok.status, 200, 'a listed origin, method and headers');
    t.same(
      [
        ok.headers['access-control-allow-origin'],
        ok.headers['access-control-allow-methods'],
        ok.headers['access-control-allow-headers'],
        ok.headers['access-control-max-age'],
        ok.headers['access-control-expose-headers'],
      ],
      [APP, 'GET, PUT, POST', 'content-type, x-amz-meta-a', '600', 'ETag'],
    );
    t.equal((await preflightOf(url, `/${bucket}/k`, 'https://evil.example', 'GET')).status, 403, 'another origin');
    t.equal((await preflightOf(url, `/${bucket}/k`, APP, 'DELETE')).status, 403, 'a method not listed');
    t.equal((await preflightOf(url, `/${bucket}/k`, APP, 'PUT', 'authorization')).status, 403, 'a header not listed');
    const any = await preflightOf(url, `/${bucket}/k`, 'https://anyone.example', 'HEAD');
    t.same([any.status, any.headers['access-control-allow-origin'], any.headers['access-control-allow-credentials']], [200, '*', undefined], 'a wildcard origin');

    // A signed request from a browser gets the headers of the rule that allows it; another origin none.
    const signedGet = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: 'k' }), { expiresIn: 60 });
    const fromApp = await fetch(signedGet, { headers: { origin: APP } });
    t.same([fromApp.status, fromApp.headers.get('access-control-allow-origin'), fromApp.headers.get('access-control-expose-headers')], [200, APP, 'ETag']);
    const fromEvil = await fetch(signedGet, { headers: { origin: 'https://evil.example' } });
    t.same([fromEvil.status, fromEvil.headers.get('access-control-allow-origin')], [200, null], 'the request is served, the browser is not told it may read it');

    await s3.send(new DeleteBucketCorsCommand({ Bucket: bucket }));
    t.equal((await preflightOf(url, `/${bucket}/k`, APP, 'GET')).status, 403, 'the configuration is gone');
    // A deleted bucket takes its configuration with it: a bucket made again with the name has none.
    await s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [{ AllowedOrigins: [APP], AllowedMethods: ['GET'] }] } }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'k' }));
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    t.equal((await preflightOf(url, `/${bucket}/k`, APP, 'GET')).status, 403, 'the configuration went with the bucket');
  });
}

t.test("a bucket name two disk tenants both configured answers no preflight: never the other tenant's rules", async (t) => {
  const app = await testApp(t);
  const url = await doorUrl(app);
  for (const id of ['cors-a', 'cors-b']) {
    const s3 = sdk(url, (await doorTenant(app, id, 'disk')).key);
    await s3.send(new CreateBucketCommand({ Bucket: 'same-name' }));
    await s3.send(new PutBucketCorsCommand({ Bucket: 'same-name', CORSConfiguration: { CORSRules: [{ AllowedOrigins: [`https://${id}.example`], AllowedMethods: ['GET'] }] } }));
  }
  t.equal((await preflightOf(url, '/same-name/k', 'https://cors-a.example', 'GET')).status, 403);
  t.equal((await preflightOf(url, '/same-name/k', 'https://cors-b.example', 'GET')).status, 403);
});

t.test(
  "a page on another origin uploads with a POST policy through the door, allowed by the bucket's CORS (Chromium)",
  { skip: !existsSync(CHROMIUM) && `${CHROMIUM} is missing (npm test installs it)` },
  async (t) => {
    const page = http.createServer((_req, res) => void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>ready</title>'));
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    t.teardown(() => page.close());
    const origin = `http://localhost:${(page.address() as AddressInfo).port}`;
    const app = await testApp(t);
    const { key, apiKey } = await doorTenant(app, 'cors-browser', 'rgw');
    const url = await doorUrl(app);
    const s3 = sdk(url, key);
    const bucket = uniqueBucket('form');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [{ AllowedOrigins: [origin], AllowedMethods: ['POST'], ExposeHeaders: ['ETag'] }] } }));
    // The page's server signs the policy (boto3, as a back end would); the browser posts the form itself.
    const py = `import boto3,json,sys;c=boto3.client('s3',endpoint_url=sys.argv[1],region_name='us-east-1',aws_access_key_id=sys.argv[2],aws_secret_access_key=sys.argv[3]);print(json.dumps(c.generate_presigned_post(sys.argv[4],'photos/\${filename}',Conditions=[['content-length-range',1,1048576],['starts-with','$Content-Type','image/']])))`;
    const { stdout } = await run('python3', ['-c', py, url, key.accessKeyId, key.secretAccessKey, bucket], {
      env: { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
    });
    const post = JSON.parse(stdout) as { url: string; fields: Record<string, string> };

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    t.teardown(() => browser.close());
    const tab = await browser.newPage();
    await tab.goto(origin);
    const upload = (target: { url: string; fields: Record<string, string> }) =>
      tab.evaluate(async ({ url, fields }) => {
        const form = new FormData();
        for (const [name, value] of Object.entries(fields)) form.append(name, value);
        form.append('Content-Type', 'image/png');
        form.append('file', new Blob([new Uint8Array([137, 80, 78, 71, 1, 2, 3])], { type: 'image/png' }), 'dot.png');
        try {
          const res = await fetch(url, { method: 'POST', body: form });
          return { status: res.status, etag: res.headers.get('etag') };
        } catch (err) {
          return { error: String(err) };
        }
      }, target);
    const result = await upload({ url: post.url, fields: { ...post.fields } });
    t.match(result, { status: 204, etag: /^"[0-9a-f]{32}"$/ }, 'the browser read the answer: CORS allowed it');
    const stored = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'photos/dot.png' }));
    t.same([stored.ContentType, (await stored.Body!.transformToByteArray()).length], ['image/png', 7]);
    const events = (await app.inject({ method: 'GET', url: `/v1/events?bucket=${bucket}`, headers: bearer(apiKey) })).json().events as { type: string }[];
    t.ok(events.some((e) => e.type === 's3:ObjectCreated:Post'));

    await s3.send(new DeleteBucketCorsCommand({ Bucket: bucket }));
    const refused = await upload({ url: post.url, fields: { ...post.fields } });
    t.match(refused, { error: /TypeError/ }, 'without the rule the browser may not read the answer');
  },
);
