import { chromium } from 'playwright-core';
import t from 'tap';
import { createTenant, listen, testApp } from '../helpers/app.js';

const CHROMIUM = '/usr/bin/chromium';

t.test('GraphiQL at /graphiql works offline: every file from the gateway, a query answered in the browser', async (t) => {
  const app = await testApp(t);
  const base = await listen(app);
  const apiKey = await createTenant(app, { id: 'graphiql', driver: 'disk' });
  t.equal((await fetch(`${base}/v1/buckets/from-graphiql`, { method: 'PUT', headers: { authorization: `Bearer ${apiKey}` } })).status, 201);

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  // No internet: anything not asked of the gateway is refused and noted.
  const elsewhere: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(base)) return route.continue();
    elsewhere.push(url);
    return route.abort();
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && /Content Security Policy/.test(m.text()) && errors.push(m.text()));
  const response = await page.goto(`${base}/graphiql`);
  t.match(response?.headers()['content-security-policy'], /frame-ancestors 'none'/, 'GraphiQL may not be framed');
  t.match(response?.headers()['content-security-policy'], /default-src 'none'; script-src 'self'/, 'and runs only its own scripts');
  await page.waitForSelector('.graphiql-container', { timeout: 30_000 });
  t.same(elsewhere, [], 'nothing was fetched from anywhere but the gateway');
  t.same(errors, [], 'no script error, nothing the policy refused');

  // The key goes in the headers editor; the query runs through the page's own fetcher.
  const answer = await page.evaluate(async (key) => {
    const res = await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ query: '{ buckets { name } }' }) });
    return res.json();
  }, apiKey);
  t.same(answer, { data: { buckets: [{ name: 'from-graphiql' }] } });

  for (const name of ['graphiql.min.css', 'react.production.min.js', 'react-dom.production.min.js', 'graphiql.min.js']) {
    const res = await fetch(`${base}/graphiql/assets/${name}`);
    t.equal(res.status, 200, name);
    t.match(res.headers.get('cache-control'), /max-age=86400/);
    await res.arrayBuffer();
  }
  const unknown = await fetch(`${base}/graphiql/assets/..%2Fpackage.json`);
  t.equal(unknown.status, 404, 'only the four files are served');
  t.equal(((await unknown.json()) as { code: string }).code, 'S3GATE_ROUTE_NOT_FOUND');
});

t.test('the API docs at /docs render under a policy of their own files, framed nowhere', async (t) => {
  const app = await testApp(t);
  const base = await listen(app);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && /Content Security Policy/.test(m.text()) && problems.push(m.text()));
  const response = await page.goto(`${base}/docs/`);
  const csp = response?.headers()['content-security-policy'] ?? '';
  t.match(csp, /frame-ancestors 'none'/);
  t.match(csp, /form-action 'none'/);
  t.notMatch(csp, /upgrade-insecure-requests|https:/, 'nothing from elsewhere');
  await page.waitForSelector('.opblock-tag', { timeout: 30_000 });
  t.ok(await page.getByText('/v1/buckets', { exact: true }).first().isVisible(), 'the operations are listed');
  t.same(problems, [], 'no script error, nothing the policy refused');
});
