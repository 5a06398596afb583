// npx tsx scripts/screenshots.ts: builds the console, runs a gateway on temporary disk tenants with a
// little data and a minute of real traffic (SHOTS_TRAFFIC_S), and writes a screenshot of each console screen to docs/screenshots/ (Debian's Chromium,
// driven by playwright-core). Prints how long the cold page took to become usable.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { buildConsole } from './console.js';

const out = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
mkdirSync(out, { recursive: true });
await buildConsole();
const dataDir = mkdtempSync(join(tmpdir(), 's3gate-shots-'));
const app = await buildApp(loadConfig({ S3GATE_ADMIN_TOKEN: 'shots', S3GATE_BOOTSTRAP_LOCAL_TENANT: 'false', S3GATE_WEBHOOK_ALLOW_PRIVATE: 'true', S3GATE_WEBHOOK_POLL_MS: '50' }, { dataDir }), {
  logger: false,
});
const base = await app.listen({ host: '127.0.0.1', port: 0 });
// Every seventh delivery fails: the webhook page shows a success rate under 100 % and the retries.
let delivered = 0;
const receiver = http.createServer((req, res) => req.resume().on('end', () => setTimeout(() => res.writeHead(++delivered % 7 === 0 ? 500 : 204).end(), 5 + (delivered % 5) * 8)));
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/s3`;

const apiKey = (await app.inject({ method: 'POST', url: '/admin/tenants', headers: { authorization: 'Bearer shots' }, payload: { id: 'acme', driver: 'disk' } })).json().apiKey as string;
const h = { authorization: `Bearer ${apiKey}` };
for (const b of ['photos', 'reports', 'backups']) await app.inject({ method: 'PUT', url: `/v1/buckets/${b}`, headers: h });
await app.inject({ method: 'POST', url: '/v1/webhooks', headers: h, payload: { url: hookUrl, events: ['s3:ObjectCreated:*'], filter: { bucket: 'reports' } } });
const files: [string, string, string][] = [
  ['reports', '2026/q3.csv', 'region,total\nnorth,42\nsouth,37\n'],
  ['reports', '2026/q4.csv', 'region,total\nnorth,51\nsouth,44\n'],
  ['reports', 'README.txt', 'Quarterly reports, one CSV per quarter.\n'],
  ['reports', 'archive/2025/q4.csv', 'region,total\n'],
];
for (const [b, k, body] of files)
  await app.inject({ method: 'PUT', url: `/v1/buckets/${b}/objects/${k}`, headers: { ...h, 'content-type': k.endsWith('.csv') ? 'text/csv' : 'text/plain' }, payload: body });

// Real traffic over HTTP for the dashboards (bytes are counted on the wire): PUTs and GETs of a few KB
// in waves for TRAFFIC_S seconds, some 404s, and a second, quieter tenant.
const TRAFFIC_S = Number(process.env.SHOTS_TRAFFIC_S ?? 60);
const globex = (await app.inject({ method: 'POST', url: '/admin/tenants', headers: { authorization: 'Bearer shots' }, payload: { id: 'globex', driver: 'disk' } })).json().apiKey as string;
await fetch(`${base}/v1/buckets/media`, { method: 'PUT', headers: { authorization: `Bearer ${globex}` } });
const end = Date.now() + TRAFFIC_S * 1000;
for (let i = 0; Date.now() < end; i++) {
  const size = 1000 + ((i * 7919) % 48_000);
  const calls = [
    fetch(`${base}/v1/buckets/reports/objects/load/${i % 50}.csv`, { method: 'PUT', headers: { ...h, 'content-type': 'text/csv' }, body: 'x'.repeat(size) }),
    fetch(`${base}/v1/buckets/reports/objects/2026/q3.csv`, { headers: h }),
    ...(i % 6 === 0 ? [fetch(`${base}/v1/buckets/reports/objects/missing-${i}`, { headers: h })] : []),
    ...(i % 3 === 0 ? [fetch(`${base}/v1/buckets/media/objects/clip-${i % 10}`, { method: 'PUT', headers: { authorization: `Bearer ${globex}` }, body: 'y'.repeat(size * 3) })] : []),
  ];
  for (const r of await Promise.all(calls)) await r.arrayBuffer();
  await new Promise((r) => setTimeout(r, 20 + 60 * (1 + Math.sin(i / 25))));
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
const shot = async (name: string) => {
  await page.screenshot({ path: join(out, `${name}.png`) });
  process.stdout.write(`wrote docs/screenshots/${name}.png\n`);
};
const started = performance.now();
await page.goto(`${base}/console`);
await page.waitForSelector('input[name=token]');
const usableMs = Math.round(performance.now() - started);
await page.fill('input[name=token]', apiKey);
await shot('sign-in');
await page.click('button[type=submit]');
await page.waitForSelector('tr[data-bucket=reports]');
await shot('buckets');
await page.goto(`${base}/console#/objects/reports/`);
await page.waitForSelector('tr[data-key="README.txt"]');
await page.click('tr[data-key="README.txt"] a');
await page.waitForSelector('pre[aria-label="text preview"]');
await shot('objects');
await page.goto(`${base}/console#/events`);
await page.waitForSelector('[data-state=live]');
for (const k of ['2026/q1.csv', '2026/q2.csv']) await app.inject({ method: 'PUT', url: `/v1/buckets/reports/objects/${k}`, headers: { ...h, 'content-type': 'text/csv' }, payload: 'region,total\n' });
await page.waitForFunction(() => document.querySelectorAll('tr[data-event]').length === 2);
await shot('events');
await page.goto(`${base}/console#/webhooks`);
await page.waitForSelector('tr[data-webhook] a');
await page.click('tr[data-webhook] a');
await page.waitForSelector('tr[data-delivery][data-status=delivered]');
await page.click('tr[data-delivery] a');
await page.waitForSelector('tr[data-attempt]');
await page.waitForSelector('[data-chart=webhook-outcomes] canvas');
// The success rate, the charts and the log's first rows in view (the attempts opened below them).
await page.$eval('[aria-label=deliveries]', (el) => el.scrollIntoView());
await shot('webhooks');
await page.goto(`${base}/console#/dashboard`);
await page.waitForSelector('[data-chart=requests] canvas');
await page.waitForSelector('[data-chart=delivery-latency] canvas');
await shot('dashboard');
const admin = await browser.newPage({ viewport: { width: 1200, height: 760 } });
await admin.goto(`${base}/console`);
await admin.check('input[name=kind] >> nth=1');
await admin.fill('input[name=token]', 'shots');
await admin.click('button[type=submit]');
await admin.waitForSelector('tr[data-tenant=acme] a');
await admin.click('tr[data-tenant=acme] a');
await admin.click('button:has-text("Verify")');
await admin.waitForSelector('[data-health=ok]');
await admin.screenshot({ path: join(out, 'admin.png') });
process.stdout.write('wrote docs/screenshots/admin.png\n');
await admin.goto(`${base}/console#/stats`);
await admin.waitForSelector('[data-chart=pool] canvas');
await admin.waitForSelector('tr[data-rank-tenant]');
await admin.screenshot({ path: join(out, 'admin-dashboard.png'), fullPage: true });
process.stdout.write('wrote docs/screenshots/admin-dashboard.png\n');
await admin.close();
await page.setViewportSize({ width: 360, height: 740 });
await page.goto(`${base}/console#/objects/reports/2026/`);
await page.waitForSelector('tr[data-key="2026/q3.csv"]');
await shot('objects-360px');
await page.goto(`${base}/console#/dashboard`);
await page.waitForSelector('[data-chart=latency] canvas');
await page.screenshot({ path: join(out, 'dashboard-360px.png'), fullPage: true });
process.stdout.write('wrote docs/screenshots/dashboard-360px.png\n');

await browser.close();
receiver.close();
await app.close();
rmSync(dataDir, { recursive: true, force: true });
process.stdout.write(`the sign-in form was usable ${usableMs} ms after navigation (cold cache, loopback)\n`);
