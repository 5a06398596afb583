import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import t from 'tap';
import { buildConsole } from '../../scripts/console.js';
import { createTenant, listen, tempDir, testApp } from '../helpers/app.js';
import { receiver } from '../helpers/receiver.js';
import { directClient, rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';

const CHROMIUM = '/usr/bin/chromium';
/** A 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

async function signIn(page: Page, base: string, token: string) {
  await page.goto(`${base}/console`);
  await page.fill('input[name=token]', token);
  await page.click('button[type=submit]');
}

t.test('the web console in Chromium against a gateway on RGW: sign in, buckets, uploads with progress, browse, preview, delete', async (t) => {
  await buildConsole();
  const app = await testApp(t, { env: { S3GATE_WEBHOOK_ALLOW_PRIVATE: 'true', S3GATE_WEBHOOK_POLL_MS: '50' } });
  const base = await listen(app);
  const user = rgwUser('console');
  const apiKey = await createTenant(app, { id: 'console', s3: rgwSettings(user) });
  const s3 = directClient(user);
  t.teardown(() => s3.destroy());

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => void d.accept());

  t.test('a wrong key is refused with the API code, and the key never goes into a URL', async (t) => {
    await signIn(page, base, 's3g_' + 'x'.repeat(43));
    await page.waitForSelector('.error');
    t.match(await page.textContent('.error'), /S3GATE_UNAUTHORIZED/);
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    await page.fill('input[name=token]', apiKey);
    await page.click('button[type=submit]');
    await page.waitForSelector('text=Buckets');
    t.notOk(urls.some((u) => u.includes(apiKey)), 'no request URL carries the API key');
    t.equal(await page.evaluate(() => Object.keys(localStorage).length), 0, 'nothing in localStorage');
  });

  const bucket = uniqueBucket('console');
  t.test('buckets: a bad name shows its error; a good one is created', async (t) => {
    await page.fill('input[name=bucket]', 'Bad_Name');
    await page.click('form[aria-label="create bucket"] button');
    await page.waitForSelector('.error');
    t.match(await page.textContent('.error'), /S3GATE_INVALID_BUCKET_NAME/);
    await page.fill('input[name=bucket]', bucket);
    await page.click('form[aria-label="create bucket"] button');
    await page.waitForSelector(`tr[data-bucket="${bucket}"]`);
    t.ok(await page.isVisible(`tr[data-bucket="${bucket}"]`));
  });

  t.test('two files uploaded with a progress bar each, then browsed, previewed and deleted', async (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, 'notes.txt'), 'hello from the console\n');
    writeFileSync(join(dir, 'dot.png'), PNG);
    await page.click(`tr[data-bucket="${bucket}"] a`);
    await page.waitForSelector('table[aria-label=objects]');
    await page.setInputFiles('input[name=files]', [join(dir, 'notes.txt'), join(dir, 'dot.png')]);
    await page.waitForFunction(() => document.querySelectorAll('tr[data-upload] td:last-child').length === 2 && Array.from(document.querySelectorAll('tr[data-upload] td:last-child')).every((td) => td.textContent === 'done'));
    t.equal(await page.locator('tr[data-upload] progress').count(), 2, 'a progress bar per file');
    await page.waitForSelector('tr[data-key="dot.png"]');
    t.ok(await page.isVisible('tr[data-key="notes.txt"]'));
    const inRgw = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'notes.txt' }));
    t.equal(await inRgw.Body!.transformToString(), 'hello from the console\n', 'the bytes are in RGW');
    t.equal(inRgw.ContentType, 'text/plain');

    await page.click('tr[data-key="notes.txt"] a');
    await page.waitForSelector('pre[aria-label="text preview"]');
    t.equal(await page.textContent('pre[aria-label="text preview"]'), 'hello from the console\n');
    await page.click('tr[data-key="dot.png"] a');
    await page.waitForSelector('img[alt="preview of dot.png"]');
    await page.waitForFunction(() => (document.querySelector('img[alt="preview of dot.png"]') as HTMLImageElement).naturalWidth === 1);
    t.pass('the image preview loaded through a presigned URL');
    t.match(await page.getAttribute('a[download]', 'href'), /^http/, 'download is a presigned link');

    await page.check('input[aria-label="select notes.txt"]');
    await page.check('input[aria-label="select dot.png"]');
    await page.click('button.danger:has-text("Delete selected")');
    await page.waitForSelector('text=Nothing here yet.');
    const left = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    t.equal(left.KeyCount, 0, 'deleted in RGW');
  });

  t.test('events arrive live; a webhook to a local receiver shows its delivery, and a retry of it', async (t) => {
    await page.goto(`${base}/console#/events`);
    await page.fill('form[aria-label="event filter"] input[name=bucket]', bucket);
    await page.click('form[aria-label="event filter"] button');
    await page.waitForSelector('[data-state=live]');
    const put = await fetch(`${base}/v1/buckets/${bucket}/objects/live/one.txt`, { method: 'PUT', headers: { authorization: `Bearer ${apiKey}` }, body: 'one' });
    t.equal(put.status, 201);
    await page.waitForSelector('tr[data-event]');
    t.match(await page.textContent('table[aria-label=events]'), new RegExp(`s3:ObjectCreated:Put.*${bucket}/live/one\\.txt`));

    const rx = await receiver(t);
    await page.goto(`${base}/console#/webhooks`);
    await page.fill('form[aria-label="create webhook"] input[name=url]', rx.url);
    await page.fill('form[aria-label="create webhook"] input[name=filterBucket]', bucket);
    await page.click('form[aria-label="create webhook"] button[type=submit]');
    await page.waitForSelector('[data-secret]');
    t.match(await page.textContent('[data-secret]'), /^whsec_/, 'the secret is shown once');
    await fetch(`${base}/v1/buckets/${bucket}/objects/live/two.txt`, { method: 'PUT', headers: { authorization: `Bearer ${apiKey}` }, body: 'two' });
    await page.click('tr[data-webhook] a');
    await page.waitForSelector('tr[data-delivery][data-status=delivered]', { timeout: 15_000 });
    t.equal(rx.received.length, 1, 'the receiver got it');
    await page.click('tr[data-delivery] a');
    await page.waitForSelector('tr[data-attempt]');
    t.match(await page.textContent('table[aria-label=attempts]'), /200/);
    await page.click('tr[data-delivery] button:has-text("Retry")');
    const until = Date.now() + 15_000;
    while (rx.received.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    t.equal(rx.received.length, 2, 'the retry was delivered');
  });

  t.test('at 360 px wide nothing overflows', async (t) => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`${base}/console#/objects`);
    await page.waitForSelector(`tr[data-bucket="${bucket}"]`);
    t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no horizontal scroll');
  });

  t.same(errors, [], 'no script error on any screen');
  const res = await fetch(`${base}/console`);
  t.match(res.headers.get('content-security-policy'), /script-src 'self'/);
  t.equal((await fetch(`${base}/console/assets/..%2F..%2Fpackage.json`)).status, 404);
});
