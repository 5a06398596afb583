import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import t from 'tap';
import { bearer, createTenant, listen, testApp } from '../helpers/app.js';
import { directClient, rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';
import { GetObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import type { Teardown } from '../helpers/http.js';

const CHROMIUM = '/usr/bin/chromium';
const SIZE = 12 * 1024 * 1024 + 321;

/** The page's script: Uppy and @uppy/tus bundled for the browser, nothing from a CDN. */
async function pageScript(): Promise<string> {
  const out = await build({ entryPoints: [fileURLToPath(new URL('./browser/page.ts', import.meta.url))], bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent' });
  return out.outputFiles[0].text;
}

/** A page on its own origin (another port of loopback) that loads the script. */
async function pageServer(t: Teardown, script: string): Promise<string> {
  const server = http.createServer((req, res) => {
    if (req.url === '/app.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>loading</title><script type="module" src="/app.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  return `http://localhost:${(server.address() as AddressInfo).port}`;
}

t.test('Uppy in headless Chromium uploads through a presigned tus URL from a page on another origin', { skip: !existsSync(CHROMIUM) && `${CHROMIUM} is missing (npm test installs it)` }, async (t) => {
  const page = await pageServer(t, await pageScript());
  const app = await testApp(t, { env: { S3GATE_CORS_ORIGINS: page } });
  const base = await listen(app);
  const user = rgwUser('uppy');
  const key = await createTenant(app, { id: 'uppy', driver: 's3', s3: rgwSettings(user) });
  const bucket = uniqueBucket('uppy');
  t.equal((await fetch(`${base}/v1/buckets/${bucket}`, { method: 'PUT', headers: bearer(key) })).status, 201);
  const presign = await fetch(`${base}/v1/presign`, {
    method: 'POST',
    headers: { ...bearer(key), 'content-type': 'application/json' },
    body: JSON.stringify({ bucket, key: 'videos/clip.mp4', method: 'TUS', expiresIn: 600 }),
  });
  const { url } = (await presign.json()) as { url: string };

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.teardown(() => browser.close());
  const tab = await browser.newPage();
  const errors: string[] = [];
  tab.on('pageerror', (e) => errors.push(e.message));
  await tab.goto(page);
  await tab.waitForFunction(() => document.title === 'ready');
  const result = (await tab.evaluate(
    ([endpoint, size]) => (globalThis as unknown as { upload: (e: string, s: number, n: string, ty: string) => Promise<unknown> }).upload(endpoint, size, 'clip.mp4', 'video/mp4'),
    [url, SIZE] as const,
  )) as {
    successful: number;
    failed: string[];
    uploadURL: string;
    sha256: string;
    progress: number;
  };
  t.same(errors, [], 'no error on the page');
  t.same(result.failed, [], 'Uppy reports no failure (CORS let it read every answer)');
  t.equal(result.successful, 1);
  t.match(result.uploadURL, new RegExp(`^${base}/v1/uploads/[0-9a-f]{32}\\?`), 'Uppy followed the signed upload URL');
  t.ok(result.progress > 1, 'Uppy reported progress');

  const s3 = directClient(user);
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'videos/clip.mp4' }));
  const bytes = Buffer.from(await out.Body!.transformToByteArray());
  t.equal(bytes.length, SIZE);
  t.equal(createHash('sha256').update(bytes).digest('hex'), result.sha256, 'the bytes in S3 are the file the browser uploaded');
  t.equal(out.ContentType, 'video/mp4', "the file's type from Uppy's metadata");
  t.equal(((await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? []).length, 0, 'no multipart upload is left');
});
