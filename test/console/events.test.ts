import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { chromium } from 'playwright-core';
import t from 'tap';
import { buildConsole } from '../../scripts/console.js';
import { createTenant, listen, testApp } from '../helpers/app.js';
import { brokerUp } from '../helpers/brokers.js';
import { cutProxy } from '../helpers/cut-proxy.js';

/**
 * The console's live tail when its connection drops: it subscribes again after the last event it
 * shows, and the events recorded while it was away appear, once each.
 */
t.test("the console's event tail resumes after a dropped connection, missing nothing", async (t) => {
  await buildConsole();
  const app = await testApp(t);
  const base = await listen(app);
  const apiKey = await createTenant(app, { id: 'tail', driver: 'disk' });
  const h = { authorization: `Bearer ${apiKey}` };
  await fetch(`${base}/v1/buckets/tail-events`, { method: 'PUT', headers: h });
  const put = async (key: string) => t.equal((await fetch(`${base}/v1/buckets/tail-events/objects/${key}`, { method: 'PUT', headers: h, body: key })).status, 201);
  // The browser reaches the gateway through a proxy whose connections can be cut.
  const proxy = await cutProxy(t, Number(new URL(base).port));
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  await page.goto(`${proxy.url}/console`);
  await page.fill('input[name=token]', apiKey);
  await page.click('button[type=submit]');
  await page.waitForSelector('text=Buckets');
  await page.goto(`${proxy.url}/console#/events`);
  await page.waitForSelector('[data-state=live]');
  await put('before.txt');
  await page.waitForSelector('tr[data-event]:has-text("before.txt")', { timeout: 10_000 });

  proxy.down();
  await page.waitForSelector('[data-state=reconnecting]', { timeout: 10_000 });
  for (const k of ['away-1.txt', 'away-2.txt', 'away-3.txt']) await put(k);
  proxy.up();
  await page.waitForSelector('tr[data-event]:has-text("away-3.txt")', { timeout: 20_000 });
  await put('after.txt');
  await page.waitForSelector('tr[data-event]:has-text("after.txt")', { timeout: 10_000 });
  const rows = await page.$$eval('tr[data-event]', (trs) => trs.map((tr) => tr.textContent ?? ''));
  const keys = rows.map((r) => /tail-events\/([\w-]+\.txt)/.exec(r)?.[1]);
  t.same(keys, ['after.txt', 'away-3.txt', 'away-2.txt', 'away-1.txt', 'before.txt'], 'every event once, newest first, those written while away included');
});

t.test('the console subscribes a Redis stream: the kind from the URL, the stream template, CloudEvents', async (t) => {
  if (!(await brokerUp(t, 'Redis', 6379))) return;
  await buildConsole();
  const app = await testApp(t, { env: { S3GATE_WEBHOOK_ALLOW_PRIVATE: 'true', S3GATE_WEBHOOK_POLL_MS: '50' } });
  const base = await listen(app);
  const tenant = `console-redis-${randomBytes(3).toString('hex')}`;
  const apiKey = await createTenant(app, { id: tenant, driver: 'disk' });
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  await page.goto(`${base}/console`);
  await page.fill('input[name=token]', apiKey);
  await page.click('button[type=submit]');
  await page.waitForSelector('text=Buckets');
  await page.goto(`${base}/console#/webhooks`);
  const form = 'form[aria-label="create webhook"]';
  await page.fill(`${form} input[name=url]`, 'redis://127.0.0.1:6379');
  await page.fill(`${form} input[name=target]`, 'console:{tenant}:{bucket}');
  await page.selectOption(`${form} select[name=format]`, 'cloudevents');
  await page.click(`${form} button[type=submit]`);
  await page.waitForSelector('[data-kind=redis]');
  t.match(await page.textContent('table[aria-label=webhooks]'), /redis · CloudEvents · console:\{tenant\}:\{bucket\}/);

  const redis = new Redis({ host: '127.0.0.1', port: 6379 });
  const stream = `console:${tenant}:console-bucket`;
  t.teardown(async () => {
    await redis.del(stream);
    redis.disconnect();
  });
  await fetch(`${base}/v1/buckets/console-bucket`, { method: 'PUT', headers: { authorization: `Bearer ${apiKey}` } });
  await fetch(`${base}/v1/buckets/console-bucket/objects/a.txt`, { method: 'PUT', headers: { authorization: `Bearer ${apiKey}` }, body: 'a' });
  let entries: [string, string[]][] = [];
  for (let i = 0; i < 100 && entries.length === 0; i++) {
    entries = await redis.xrange(stream, '-', '+');
    await new Promise((r) => setTimeout(r, 100));
  }
  t.equal(entries.length, 1, 'the event is in the stream the template names');
  const fields = entries[0][1];
  t.match(JSON.parse(fields[fields.indexOf('body') + 1]), { specversion: '1.0', type: 'com.amazonaws.s3.ObjectCreated:Put', subject: 'a.txt' });
});
