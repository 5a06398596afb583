import t from 'tap';
import { admin, bearer, createTenant, tempDir, testApp } from '../helpers/app.js';
import { failingEndpoint, forwardProxy, httpsFront, privateCa, unconnectableEndpoint } from '../helpers/net.js';
import { rgwEndpoint, rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';
import { stallingEndpoint } from '../helpers/stall.js';

/** Per-tenant network settings, each against a real server on 127.0.0.1. */
t.test('network settings', async (t) => {
  const logs: string[] = [];
  const app = await testApp(t, { logStream: { write: (l) => void logs.push(l) } });
  const user = rgwUser('net');

  const exercise = async (apiKey: string) => {
    const h = bearer(apiKey);
    const bucket = uniqueBucket('net');
    const codes = [
      (await app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}`, headers: h })).statusCode,
      (await app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}/objects/k`, headers: h, payload: 'via' })).statusCode,
      (await app.inject({ method: 'GET', url: `/v1/buckets/${bucket}/objects/k`, headers: h })).statusCode,
      (await app.inject({ method: 'GET', url: `/v1/buckets/${bucket}/objects`, headers: h })).statusCode,
    ];
    return codes;
  };

  t.test('a proxy carries every S3 request of the tenant; noProxy bypasses it', async (t) => {
    const proxy = await forwardProxy(t, 'gw:pr0xy-pass');
    const key = await createTenant(app, { id: 'proxied', s3: { ...rgwSettings(user), proxy: { url: proxy.url } } });
    t.same(await exercise(key), [201, 201, 200, 200]);
    t.same(
      proxy.seen.map((s) => s.method),
      ['HEAD', 'PUT', 'PUT', 'GET', 'GET'],
      'bucket HEAD and PUT, object PUT and GET (the hot path) and the listing (the SDK) all went through the proxy',
    );
    t.ok(
      proxy.seen.every((s) => s.target.startsWith(rgwEndpoint())),
      'as absolute-form requests to the endpoint',
    );
    const shown = (await app.inject({ method: 'GET', url: '/admin/tenants/proxied', headers: admin })).json();
    t.notMatch(JSON.stringify(shown), /pr0xy-pass/, 'the proxy password is not shown');
    t.match(shown.s3.proxy.url, /^http:\/\/gw:\*\*\*@127\.0\.0\.1:\d+\/$/);

    const shorthand = await createTenant(app, { id: 'proxied2', s3: { ...rgwSettings(user), proxy: proxy.url } });
    const seen = proxy.seen.length;
    t.same(await exercise(shorthand), [201, 201, 200, 200], 'the proxy given as just its URL');
    t.equal(proxy.seen.length, seen + 5, 'carries the requests too');
    const removed = await app.inject({ method: 'PATCH', url: '/admin/tenants/proxied2', headers: admin, payload: { s3: { proxy: null } } });
    t.equal(removed.json().s3.proxy, undefined, 'null removes it');
    t.same(await exercise(shorthand), [201, 201, 200, 200]);
    t.equal(proxy.seen.length, seen + 5, 'and then nothing goes through it');

    const direct = await createTenant(app, { id: 'bypass', s3: { ...rgwSettings(user), proxy: { url: proxy.url, noProxy: ['localhost', '127.0.0.1'] } } });
    const before = proxy.seen.length;
    t.same(await exercise(direct), [201, 201, 200, 200]);
    t.equal(proxy.seen.length, before, 'nothing went through the proxy');
  });

  t.test('requestTimeoutMs: a stalled endpoint answers 504, not never', async (t) => {
    const stall = await stallingEndpoint(t);
    const key = await createTenant(app, { id: 'stalled', s3: { ...rgwSettings(user), endpoint: stall.url, maxAttempts: 1 }, pool: { requestTimeoutMs: 300 } });
    const res = await app.inject({ method: 'GET', url: '/v1/buckets/some-bucket/objects/k', headers: bearer(key) });
    t.equal(res.statusCode, 504);
    t.equal(res.json().code, 'S3GATE_UPSTREAM_TIMEOUT');
    // The SDK's calls too (a listing, a multipart start): its requestTimeout only warned and never
    // aborted, so a stalled endpoint held them until the client gave up.
    const started = Date.now();
    const list = await app.inject({ method: 'GET', url: '/v1/buckets/some-bucket/objects', headers: bearer(key) });
    t.same([list.statusCode, list.json().code], [504, 'S3GATE_UPSTREAM_TIMEOUT'], 'ListObjectsV2 through the SDK');
    t.ok(Date.now() - started < 5000, `answered in ${Date.now() - started} ms`);
  });

  // requestTimeoutMs is a minute: only the connect timeout can answer within the test's 20 s.
  t.test('connectTimeoutMs: an endpoint that never completes the handshake answers 504 soon', { timeout: 20_000 }, async (t) => {
    const blackhole = await unconnectableEndpoint(t);
    const key = await createTenant(app, { id: 'unconnectable', s3: { ...rgwSettings(user), endpoint: blackhole.url, maxAttempts: 1 }, pool: { connectTimeoutMs: 300, requestTimeoutMs: 60_000 } });
    const res = await app.inject({ method: 'GET', url: '/v1/buckets/some-bucket/objects/k', headers: bearer(key) });
    t.equal(res.statusCode, 504);
    t.equal(res.json().code, 'S3GATE_UPSTREAM_TIMEOUT');
    const listed = await app.inject({ method: 'GET', url: '/v1/buckets/some-bucket/objects', headers: bearer(key) });
    t.equal(listed.statusCode, 504, 'through the SDK as well');
  });

  t.test('maxAttempts bounds the attempts of a retryable request, on the hot path and through the SDK', async (t) => {
    for (const maxAttempts of [1, 3]) {
      const failing = await failingEndpoint(t, 500);
      const key = await createTenant(app, { id: `attempts${maxAttempts}`, s3: { ...rgwSettings(user), endpoint: failing.url, maxAttempts } });
      t.equal((await app.inject({ method: 'GET', url: '/v1/buckets/some-bucket/objects/k', headers: bearer(key) })).statusCode, 502);
      t.equal(failing.requests(), maxAttempts, `GET: ${maxAttempts} attempt(s)`);
      t.equal((await app.inject({ method: 'GET', url: '/v1/buckets/some-bucket/objects', headers: bearer(key) })).statusCode, 502);
      t.equal(failing.requests(), 2 * maxAttempts, `ListObjectsV2 through the SDK: ${maxAttempts} attempt(s)`);
    }
    const adaptive = await createTenant(app, { id: 'adaptive', s3: { ...rgwSettings(user), retryMode: 'adaptive' } });
    t.same(await exercise(adaptive), [201, 201, 200, 200], 'adaptive retry mode works');
  });

  t.test("one retry policy and one report per request: the hot path uses the SDK client's own strategy and quota", async (t) => {
    const failing = await failingEndpoint(t, 500);
    const key = await createTenant(app, { id: 'onepolicy', s3: { ...rgwSettings(user), endpoint: failing.url, maxAttempts: 3 } });
    const get = () => app.inject({ method: 'GET', url: '/v1/buckets/some-bucket/objects/k', headers: bearer(key) });
    t.equal((await get()).statusCode, 502);
    const metrics = async () => (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const seen = (m: string, name: string, labels: string) => Number(new RegExp(`${name}\\{${labels}\\} (\\d+)`).exec(m)?.[1] ?? 0);
    let m = await metrics();
    t.equal(seen(m, 's3gate_s3_requests_total', 'tenant="onepolicy",operation="GetObjectCommand",status="500"'), 1, 'measured once, after its 3 attempts');
    t.equal(seen(m, 's3gate_s3_errors_total', 'tenant="onepolicy",operation="GetObjectCommand",code="InternalError"'), 1, 'counted once as an error');
    t.equal(failing.requests(), 3, 'retried by the strategy');
    // The SDK's standard strategy holds a retry quota (500, spent per retry, refilled by successes):
    // 49 more failing GETs use it up, and then no request of the tenant is retried, on either path.
    for (let i = 0; i < 49; i += 7) await Promise.all(Array.from({ length: 7 }, get));
    const spent = failing.requests();
    t.ok(spent < 150, `the quota ran out before 50 GETs had all their retries (${spent} attempts)`);
    await get();
    t.equal(failing.requests(), spent + 1, 'the quota is spent: one attempt');
    t.equal((await app.inject({ method: 'GET', url: '/v1/buckets/some-bucket/objects', headers: bearer(key) })).statusCode, 502);
    t.equal(failing.requests(), spent + 2, 'and the SDK path shares the same quota');
    m = await metrics();
    t.equal(seen(m, 's3gate_s3_requests_total', 'tenant="onepolicy",operation="GetObjectCommand",status="500"'), 51);
  });

  t.test('tls: a private CA bundle makes an https endpoint work; turning checks off needs the operator', async (t) => {
    const pki = privateCa(tempDir(t));
    const front = await httpsFront(t, pki, new URL(rgwEndpoint()));
    const untrusted = await app.inject({ method: 'POST', url: '/admin/tenants?verify=true', headers: admin, payload: { id: 'tls0', s3: { ...rgwSettings(user), endpoint: front.url } } });
    t.equal(untrusted.statusCode, 422, 'without the CA, the certificate is refused');
    t.match(untrusted.json().upstream.code, /SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
    const key = await createTenant(app, { id: 'tls1', s3: { ...rgwSettings(user), endpoint: front.url, tls: { caBundle: pki.ca } } });
    t.same(await exercise(key), [201, 201, 200, 200]);
    const shown = (await app.inject({ method: 'GET', url: '/admin/tenants/tls1', headers: admin })).json();
    t.match(shown.s3.tls, { caBundleSha256: /^[0-9a-f]{64}$/, rejectUnauthorized: true });
    const bad = await app.inject({ method: 'POST', url: '/admin/tenants', headers: admin, payload: { id: 'tls2', s3: { ...rgwSettings(user), tls: { caBundle: 'not a pem' } } } });
    t.equal(bad.json().code, 'S3GATE_INVALID_TENANT');
    const insecure = await app.inject({
      method: 'POST',
      url: '/admin/tenants',
      headers: admin,
      payload: { id: 'tls3', s3: { ...rgwSettings(user), endpoint: front.url, tls: { rejectUnauthorized: false } } },
    });
    t.equal(insecure.statusCode, 400);
    t.match(insecure.json().message, /S3GATE_ALLOW_INSECURE_TLS=true/);
  });

  t.test('with S3GATE_ALLOW_INSECURE_TLS, verification can be turned off, loudly', async (t) => {
    const lax = await testApp(t, { env: { S3GATE_ALLOW_INSECURE_TLS: 'true' }, logStream: { write: (l) => void logs.push(l) } });
    const pki = privateCa(tempDir(t));
    const front = await httpsFront(t, pki, new URL(rgwEndpoint()));
    const key = await createTenant(lax, { id: 'tls4', s3: { ...rgwSettings(user), endpoint: front.url, tls: { rejectUnauthorized: false } } });
    const res = await lax.inject({ method: 'GET', url: '/v1/buckets', headers: bearer(key) });
    t.equal(res.statusCode, 200);
    t.ok(
      logs.some((l) => l.includes('"level":40') && l.includes('verification is OFF') && l.includes('tls4')),
      'a warning names the tenant',
    );
  });
});
