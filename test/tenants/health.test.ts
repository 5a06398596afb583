import t from 'tap';
import { admin, bearer, createTenant, testApp } from '../helpers/app.js';
import { tcpForwarder } from '../helpers/net.js';
import { rgwEndpoint, rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';
import { freePort } from '../helpers/stall.js';

/** The sum of a metric's samples whose labels match (a regular expression). */
const metric = (text: string, name: string, labels: string) => [...text.matchAll(new RegExp(`^${name}\\{${labels}\\} (\\d+)$`, 'gm'))].reduce((n, m) => n + Number(m[1]), 0);

t.test('tenant health, S3 error metrics and the circuit breaker', async (t) => {
  const app = await testApp(t, { env: { S3GATE_CIRCUIT_FAILURES: '3', S3GATE_CIRCUIT_COOLDOWN_MS: '400' } });
  const user = rgwUser('health');
  const forwarder = await tcpForwarder(t, new URL(rgwEndpoint()));
  const flaky = await createTenant(app, { id: 'flaky', s3: { ...rgwSettings(user), endpoint: forwarder.url, maxAttempts: 1 } });
  const steady = await createTenant(app, { id: 'steady', s3: rgwSettings(rgwUser('steady')) });
  const bucket = uniqueBucket('health');
  const get = (key: string) => app.inject({ method: 'GET', url: `/v1/buckets/${bucket}/objects/k`, headers: bearer(key) });
  t.equal((await app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}`, headers: bearer(flaky) })).statusCode, 201);
  await app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}/objects/k`, headers: bearer(flaky), payload: 'x' });

  t.test('health: one S3 call, its latency, and the circuit', async (t) => {
    const res = await app.inject({ method: 'GET', url: '/admin/tenants/flaky/health', headers: admin });
    t.equal(res.statusCode, 200);
    t.match(res.json(), { tenant: 'flaky', driver: 's3', ok: true, latencyMs: Number, error: null, circuit: { state: 'closed', consecutiveFailures: 0 } });
    const port = await freePort();
    await createTenant(app, { id: 'nowhere', s3: { ...rgwSettings(user), endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 } });
    const down = (await app.inject({ method: 'GET', url: '/admin/tenants/nowhere/health', headers: admin })).json();
    t.match(down, { ok: false, error: { code: 'ECONNREFUSED', status: null, gatewayCode: 'S3GATE_UPSTREAM_UNAVAILABLE' } });
    const creds = await createTenant(app, { id: 'badcreds', s3: { ...rgwSettings(user), secretAccessKey: 'wrong' } });
    t.ok(creds);
    const refused = (await app.inject({ method: 'GET', url: '/admin/tenants/badcreds/health', headers: admin })).json();
    t.match(refused, { ok: false, error: { status: 403, gatewayCode: 'S3GATE_UPSTREAM_CREDENTIALS' } });
    t.equal((await app.inject({ method: 'GET', url: '/admin/tenants/absent/health', headers: admin })).statusCode, 404);
  });

  t.test('repeated connection failures open the circuit: fail fast with 503 and Retry-After; other tenants go on', async (t) => {
    await forwarder.down();
    for (let i = 0; i < 3; i++) {
      const res = await get(flaky);
      t.equal(res.json().code, 'S3GATE_UPSTREAM_UNAVAILABLE', `failure ${i + 1} reaches for the endpoint`);
    }
    const fast = await get(flaky);
    t.equal(fast.statusCode, 503);
    t.equal(fast.json().code, 'S3GATE_TENANT_UNAVAILABLE');
    t.equal(fast.headers['retry-after'], '1');
    t.equal((await get(steady)).statusCode, 404, 'the other tenant is served as usual (its own bucket namespace)');
    const health = (await app.inject({ method: 'GET', url: '/admin/tenants/flaky/health', headers: admin })).json();
    t.match(health, { ok: false, circuit: { state: 'open' } }, 'health still probes, and shows the open circuit');
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    t.ok(metric(metrics, 's3gate_s3_errors_total', 'tenant="flaky",operation="GetObjectCommand",code="ECONN(?:REFUSED|RESET)"') >= 3, 'errors by code, per tenant');
    t.equal(metric(metrics, 's3gate_circuit_open', 'tenant="flaky"'), 1);

    t.test('after the cool-down one probe decides: the endpoint is back, the circuit closes', async (t) => {
      await forwarder.up();
      await new Promise((r) => setTimeout(r, 450));
      t.equal((await get(flaky)).statusCode, 200, 'the probe succeeds');
      t.equal((await get(flaky)).statusCode, 200, 'and requests flow again');
      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      t.equal(metric(metrics, 's3gate_circuit_open', 'tenant="flaky"'), 0);
    });
  });

  t.test('S3 answers (not connection failures) never open the circuit', async (t) => {
    for (let i = 0; i < 6; i++) t.equal((await app.inject({ method: 'GET', url: `/v1/buckets/${bucket}/objects/missing`, headers: bearer(flaky) })).statusCode, 404);
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    t.ok(metric(metrics, 's3gate_s3_errors_total', 'tenant="flaky",operation="GetObjectCommand",code="NoSuchKey"') >= 6, 'counted by code');
    t.equal(metric(metrics, 's3gate_circuit_open', 'tenant="flaky"'), 0);
  });
});
