import { chromium, type Page } from 'playwright-core';
import t from 'tap';
import { buildConsole } from '../../scripts/console.js';
import { ADMIN_TOKEN, createTenant, listen, testApp } from '../helpers/app.js';
import { receiver } from '../helpers/receiver.js';
import { rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';

const CHROMIUM = '/usr/bin/chromium';
const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d/;

async function signIn(page: Page, base: string, token: string, admin = false) {
  await page.goto(`${base}/console`);
  if (admin) await page.check('input[name=kind] >> nth=1');
  await page.fill('input[name=token]', token);
  await page.click('button[type=submit]');
}

/** The numbers of one column of a chart's table, by the point's time. */
async function column(page: Page, chart: string, index: number): Promise<Map<string, number>> {
  const rows = await page.$$eval(
    `[data-chart=${chart}] table.values tbody tr`,
    (trs, i) => trs.map((tr) => [tr.getAttribute('data-t')!, tr.querySelectorAll('td')[i + 1].getAttribute('data-value')!] as const),
    index,
  );
  return new Map(rows.filter(([, v]) => v !== '').map(([t, v]) => [t, Number(v)]));
}

t.test('dashboards in Chromium draw what GET /v1/stats and /admin/stats say, after real traffic', async (t) => {
  await buildConsole();
  const app = await testApp(t, { env: { S3GATE_WEBHOOK_ALLOW_PRIVATE: 'true', S3GATE_WEBHOOK_POLL_MS: '50', S3GATE_WEBHOOK_RETRY_SCHEDULE: '0.1,0.1' } });
  const base = await listen(app);
  const busy = await createTenant(app, { id: 'dash-busy', driver: 's3', s3: rgwSettings(rgwUser('dash-busy')) });
  const calm = await createTenant(app, { id: 'dash-calm', driver: 'disk' });
  const call = (key: string, path: string, init: RequestInit = {}) => fetch(base + path, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string>) } });

  // A receiver that fails the first six deliveries: each event is delivered, six after a retry.
  const rx = await receiver(t, (n) => ({ status: n <= 6 ? 500 : 204 }));
  t.equal((await call(busy, '/v1/webhooks', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: rx.url, events: ['s3:ObjectCreated:*'] }) })).status, 201);
  const bucket = uniqueBucket('dash');
  t.equal((await call(busy, `/v1/buckets/${bucket}`, { method: 'PUT' })).status, 201);
  for (let i = 0; i < 12; i++) t.equal((await call(busy, `/v1/buckets/${bucket}/objects/f${i}.bin`, { method: 'PUT', body: 'z'.repeat(1500 * (i + 1)) })).status, 201);
  for (let i = 0; i < 4; i++) t.equal((await call(busy, `/v1/buckets/${bucket}/objects/missing${i}`)).status, 404);
  t.equal((await call(calm, '/v1/buckets')).status, 200);
  // Every delivery ends (the ones failed first are retried), and is counted, before the page is read.
  const until = Date.now() + 20_000;
  const delivered = async () => (await (await call(busy, '/v1/stats?window=10m')).json()).totals.deliveries.succeeded;
  while ((rx.received.length < 18 || (await delivered()) < 12) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  let statsCalls = 0;
  page.on('requestfinished', (r) => void (new URL(r.url()).pathname === '/v1/stats' && statsCalls++));

  t.test("the tenant's dashboard charts its series, and its tables hold the API's numbers", async (t) => {
    await signIn(page, base, busy);
    await page.waitForSelector('text=Buckets');
    await page.goto(`${base}/console#/dashboard`);
    for (const chart of ['requests', 'bytes', 'latency', 'events', 'delivery-latency']) await page.waitForSelector(`[data-chart=${chart}] .plot canvas`);
    t.pass('each chart is drawn on a canvas');
    const events = await column(page, 'events', 0);
    const deliveredAt = await column(page, 'events', 1);
    const failed = await column(page, 'events', 2);
    const requests = await column(page, 'requests', 0);
    const api = await (await call(busy, '/v1/stats?window=10m')).json();
    t.equal(api.points.length, 60);
    t.ok(api.points.filter((p: { t: string }) => events.has(p.t)).length >= 59, 'the page and the API share the window');
    // A point the page has (the window may have moved on by a step since it asked).
    for (const p of api.points.filter((p: { t: string }) => events.has(p.t))) {
      t.equal(events.get(p.t), p.events, `events at ${p.t}`);
      t.equal(deliveredAt.get(p.t), p.deliveries.succeeded, `delivered at ${p.t}`);
      t.equal(failed.get(p.t), p.deliveries.failed, `failed at ${p.t}`);
    }
    t.equal(api.totals.events, 12);
    t.equal(api.totals.deliveries.succeeded, 12, 'every event delivered');
    t.equal(api.totals.deliveries.failed, 6, 'six first attempts failed');
    // Requests go on while the page is open: the API has the page's own stats calls on top.
    const onPage = [...requests.values()].reduce((a, b) => a + b, 0);
    const all = (p: { requests: Record<string, Record<string, number>> }) => Object.values(p.requests).reduce((n, c) => n + c['2xx'] + c['3xx'] + c['4xx'] + c['5xx'], 0);
    t.ok(onPage >= 12 + 4 + 3, `${onPage} requests charted: the PUTs, the 404s and more`);
    t.ok(all(api.totals) - onPage >= 0 && all(api.totals) - onPage <= statsCalls + 1, `the API counts ${all(api.totals)}: the page's ${onPage} and its own stats calls (${statsCalls})`);
    t.match(await page.textContent('[data-tile=errors] .figure'), /^4 · 0 /, 'the 404s are errors');
    t.match(await page.textContent('[data-tile=bytes]'), /KB/, 'bytes in readable units');
    t.match(await page.getAttribute('[data-tile=bytes] [data-bytes]', 'title'), /^[\d,.\s\u202f]+ bytes$/, 'the exact count on hover');
    t.match(await page.textContent('[data-faces]'), /REST \d+ · GraphQL 0 · S3 0 · tus 0/);
    // The table view shows the same numbers instead of the chart.
    t.ok(await page.$eval('[data-chart=requests] table.values', (el) => el.parentElement!.classList.contains('sr-only')), 'the table is there for screen readers');
    await page.click('[data-chart=requests] figcaption button');
    await page.waitForSelector('[data-chart=requests] .table-scroll table.values');
    t.notOk(await page.$('[data-chart=requests] .plot'), 'the table replaces the chart');
  });

  t.test('readable sizes and times where raw ones were', async (t) => {
    await page.goto(`${base}/console#/objects/${bucket}/`);
    await page.waitForSelector('tr[data-key="f11.bin"]');
    t.equal(await page.textContent('tr[data-key="f11.bin"] [data-bytes]'), '18 KB');
    t.match(await page.getAttribute('tr[data-key="f11.bin"] [data-bytes]', 'title'), /18[,.\s\u202f]?000 bytes/);
    const when = await page.textContent('tr[data-key="f11.bin"] time');
    t.notMatch(when, ISO, `"${when}" is not an ISO string`);
    t.match(when, /now|sec|min/, 'relative: it is recent');
    t.match(await page.getAttribute('tr[data-key="f11.bin"] time', 'datetime'), ISO, 'the exact time stays in the markup');
  });

  t.test("a webhook's page shows its success rate and latency over time beside the log", async (t) => {
    await page.goto(`${base}/console#/webhooks`);
    await page.click('tr[data-webhook] a');
    await page.waitForSelector('[data-chart=webhook-outcomes] canvas');
    await page.waitForSelector('[data-chart=webhook-latency] canvas');
    const rate = await page.textContent('[data-success-rate]');
    const hook = (await (await call(busy, '/v1/webhooks')).json()).webhooks[0].id;
    const api = await (await call(busy, `/v1/webhooks/${hook}/stats`)).json();
    const expected = (100 * api.totals.succeeded) / (api.totals.succeeded + api.totals.failed);
    t.ok(expected < 100);
    t.match(rate, new RegExp(`Success rate ${expected.toFixed(1).replace(/\.0$/, '').replace('.', '[.,]')}\\s?%`), `"${rate}"`);
    await page.waitForSelector('tr[data-delivery] time');
  });

  t.test('the admin dashboard ranks the busy tenant first and charts the pools', async (t) => {
    const admin = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    admin.on('pageerror', (e) => errors.push(e.message));
    await signIn(admin, base, ADMIN_TOKEN, true);
    await admin.waitForSelector('tr[data-tenant]');
    await admin.goto(`${base}/console#/stats`);
    await admin.waitForSelector('tr[data-rank-tenant]');
    await admin.waitForSelector('[data-chart=pool] canvas');
    await admin.waitForSelector('[data-chart=gateway-requests] canvas');
    const ranked = await admin.$$eval('tr[data-rank-tenant]', (trs) => trs.map((tr) => tr.getAttribute('data-rank-tenant')));
    t.same(ranked, ['dash-busy', 'dash-calm'], 'the busy tenant first');
    const api = await (await fetch(`${base}/admin/stats?window=10m`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
    t.equal(api.tenants[0].tenant, 'dash-busy');
    t.equal(Number(await admin.getAttribute('tr[data-rank-tenant=dash-calm] td[data-value]', 'data-value')), api.tenants[1].requests, "the quiet tenant's count is the API's");
    await admin.click('button:has-text("Errors")');
    await admin.waitForFunction(() => /by errors/.test(document.querySelector('h3')?.textContent ?? ''));
    await admin.close();
  });

  t.test('at 360 px the dashboard does not overflow', async (t) => {
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(`${base}/console#/dashboard`);
    await page.waitForSelector('[data-chart=latency] .plot canvas');
    t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 360), 'no horizontal scroll');
  });

  t.same(errors, [], 'no script error');
});
