import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import t from 'tap';
import { buildConsole } from '../../scripts/console.js';
import { ADMIN_TOKEN, createTenant, listen, tempDir, testApp } from '../helpers/app.js';
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

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
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
    t.notOk(
      urls.some((u) => u.includes(apiKey)),
      'no request URL carries the API key',
    );
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
    await page.waitForFunction(
      () => document.querySelectorAll('tr[data-upload] td:last-child').length === 2 && Array.from(document.querySelectorAll('tr[data-upload] td:last-child')).every((td) => td.textContent === 'done'),
    );
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
    // The tail shows what is recorded from the moment it asked, even before the server has taken the
    // subscription: one write is enough.
    const put = await fetch(`${base}/v1/buckets/${bucket}/objects/live/1.txt`, { method: 'PUT', headers: { authorization: `Bearer ${apiKey}` }, body: 'one' });
    t.equal(put.status, 201);
    await page.waitForSelector('tr[data-event]', { timeout: 10_000 });
    t.match(await page.textContent('table[aria-label=events]'), new RegExp(`s3:ObjectCreated:Put.*${bucket}/live/1\\.txt`));

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

    // Edit: the filter moves to another prefix; the API has it.
    await page.click('tr[data-webhook] button:has-text("Edit")');
    await page.fill('input[name=edit-prefix]', 'elsewhere/');
    await page.click('form[aria-label="edit webhook"] button[type=submit]');
    await page.waitForFunction(() => /elsewhere\//.test(document.querySelector('table[aria-label=webhooks]')?.textContent ?? ''));
    const hooks = await app.inject({ method: 'GET', url: '/v1/webhooks', headers: { authorization: `Bearer ${apiKey}` } });
    t.equal(hooks.json().webhooks[0].filter.prefix, 'elsewhere/', 'saved through the API');
  });

  t.test('at 360 px wide nothing overflows', async (t) => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`${base}/console#/objects`);
    await page.waitForSelector(`tr[data-bucket="${bucket}"]`);
    t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no horizontal scroll');
  });

  t.test('admin: tenants with each kind of storage, verify, pool and limits, keys, live pool figures', async (t) => {
    const admin = await browser.newPage();
    admin.on('pageerror', (e) => errors.push(e.message));
    admin.on('dialog', (d) => void d.accept());
    await admin.goto(`${base}/console`);
    await admin.check('input[name=kind] >> nth=1');
    await admin.fill('input[name=token]', ADMIN_TOKEN);
    await admin.click('button[type=submit]');
    await admin.waitForSelector('tr[data-tenant=console]');

    await admin.fill('form[aria-label="create tenant"] input[name=id]', 'made-in-console');
    await admin.click('form[aria-label="create tenant"] button[type=submit]');
    await admin.waitForSelector('[data-secret]');
    t.match(await admin.textContent('[data-secret]'), /API key, shown only now: s3g_/);

    // An S3 tenant is verified with one call before it is saved: a wrong secret is refused with its code.
    const other = rgwUser('console-s3');
    const form = 'form[aria-label="create tenant"]';
    await admin.fill(`${form} input[name=id]`, 'console-s3');
    await admin.selectOption(`${form} select[name=driver]`, 's3');
    await admin.fill(`${form} input[name=endpoint]`, rgwSettings(other).endpoint);
    await admin.fill(`${form} input[name=accessKeyId]`, other.accessKeyId);
    await admin.fill(`${form} input[name=secretAccessKey]`, 'wrong-' + other.secretAccessKey);
    await admin.click(`${form} button[type=submit]`);
    await admin.waitForSelector('.error');
    t.match(await admin.textContent('.error'), /S3GATE_TENANT_VERIFICATION_FAILED/);
    await admin.fill(`${form} input[name=id]`, 'console-s3');
    await admin.fill(`${form} input[name=accessKeyId]`, other.accessKeyId);
    await admin.fill(`${form} input[name=secretAccessKey]`, other.secretAccessKey);
    await admin.click(`${form} button[type=submit]`);
    await admin.waitForSelector('tr[data-tenant=console-s3]');

    await admin.click('tr[data-tenant=console-s3] a');
    await admin.waitForSelector('[data-pool]');
    await admin.click('button:has-text("Verify")');
    await admin.waitForSelector('[data-health=ok]');
    t.match(await admin.textContent('[data-health]'), /circuit closed/);
    await admin.fill('form[aria-label="pool and limits"] input[name=maxSockets]', '7');
    await admin.click('form[aria-label="pool and limits"] button');
    await admin.waitForFunction(() => /7 sockets/.test(document.querySelector('[data-pool]')?.textContent ?? ''));
    const saved = await app.inject({ method: 'GET', url: '/admin/tenants/console-s3', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    t.equal(saved.json().pool.maxSockets, 7, 'saved through the API');

    // The key the tenant was created with may still be shown: the new one is the secret that replaces it.
    const shown = (await admin.$('[data-secret]')) ? await admin.textContent('[data-secret]') : null;
    await admin.click('button:has-text("New API key")');
    await admin.waitForFunction(() => document.querySelectorAll('tr[data-api-key]').length === 2);
    await admin.waitForFunction((before) => /s3g_\S+/.test(document.querySelector('[data-secret]')?.textContent ?? '') && document.querySelector('[data-secret]')?.textContent !== before, shown);
    const newKey = (await admin.textContent('[data-secret]'))!.match(/s3g_\S+/)![0];
    t.equal((await fetch(`${base}/v1/buckets`, { headers: { authorization: `Bearer ${newKey}` } })).status, 200, 'the new API key works');
    // The newest key is the last row (the first is the one the tenant was created with).
    await admin.waitForFunction(() => document.querySelectorAll('tr[data-api-key]').length === 2);
    await admin.click('tr[data-api-key]:last-child button:has-text("Revoke")');
    await admin.waitForFunction(() => /revoked/.test(document.querySelector('tr[data-api-key]:last-child')?.textContent ?? ''));
    t.equal((await fetch(`${base}/v1/buckets`, { headers: { authorization: `Bearer ${newKey}` } })).status, 401, 'and is refused once revoked');
    const listed = (await app.inject({ method: 'GET', url: '/admin/tenants/console-s3/keys', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
    t.equal(listed.apiKeys.length, 2, 'the first key and the new one');
    t.equal(listed.apiKeys.filter((k: { revokedAt: string | null }) => k.revokedAt).length, 1);
    t.notMatch(JSON.stringify(listed), /s3g_|hash/, 'ids and dates only');
    await admin.click('button:has-text("New S3 key")');
    await admin.waitForSelector('tr[data-s3-key]');
    await admin.click('tr[data-s3-key] button:has-text("Revoke")');
    await admin.waitForFunction(() => /revoked/.test(document.querySelector('tr[data-s3-key]')?.textContent ?? ''));
    await admin.click('button:has-text("Delete tenant")');
    await admin.waitForFunction(() => !document.querySelector('tr[data-tenant=console-s3]'));
    t.pass('created, verified, tuned, keyed and deleted through the console');
    await admin.close();
  });

  t.same(errors, [], 'no script error on any screen');
  const res = await fetch(`${base}/console`);
  t.match(res.headers.get('content-security-policy'), /script-src 'self'/);
  t.equal((await fetch(`${base}/console/assets/..%2F..%2Fpackage.json`)).status, 404);
});
