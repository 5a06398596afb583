import { chromium } from 'playwright-core';
import t from 'tap';
import { buildConsole } from '../../scripts/console.js';
import { createTenant, listen, testApp } from '../helpers/app.js';
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
