import { Webhook } from 'standardwebhooks';
import t from 'tap';
import { bearer, createTenant, testApp } from '../helpers/app.js';
import { receiver } from '../helpers/receiver.js';
import { rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';
import { until } from '../helpers/stall.js';

const fast = {
  webhooks: {
    allowPrivate: true,
    timeoutMs: 500,
    retrySchedule: [100, 200, 300],
    disableAfterMs: 60_000,
    concurrency: 16,
    endpointConcurrency: 2,
    pollMs: 50,
    retentionMs: 24 * 3600 * 1000,
    deliveryRetentionMs: 24 * 3600 * 1000,
    retentionIntervalMs: 3_600_000,
  },
};

t.test('webhook subscriptions on RGW, delivered to real receivers', async (t) => {
  const app = await testApp(t, { config: fast });
  const key = await createTenant(app, { id: 'hooks', s3: rgwSettings(rgwUser('hooks')) });
  const h = bearer(key);
  const bucket = uniqueBucket('hooks');
  await app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}`, headers: h });
  const put = (k: string, body = 'x') => app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}/objects/${k}`, headers: h, payload: body });
  const create = async (body: Record<string, unknown>) => {
    const res = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: h, payload: body });
    if (res.statusCode !== 201) throw new Error(`${res.statusCode} ${res.body}`);
    return res.json() as { id: string; secret: string };
  };
  const deliveries = async (id: string, q = '') => (await app.inject({ method: 'GET', url: `/v1/webhooks/${id}/deliveries${q}`, headers: h })).json().deliveries;

  t.test('creates, lists and shows subscriptions, the secret only once', async (t) => {
    const rx = await receiver(t);
    const res = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: h, payload: { url: rx.url, events: ['s3:ObjectCreated:*'], description: 'images' } });
    t.equal(res.statusCode, 201);
    const body = res.json();
    t.match(body, { id: /^wh_/, url: rx.url, events: ['s3:ObjectCreated:*'], filter: {}, description: 'images', enabled: true, disabledReason: null, secret: /^whsec_/ });
    const one = await app.inject({ method: 'GET', url: `/v1/webhooks/${body.id}`, headers: h });
    t.equal(one.json().id, body.id);
    t.notMatch(one.body, body.secret);
    t.notMatch((await app.inject({ method: 'GET', url: '/v1/webhooks', headers: h })).body, body.secret);
    t.equal((await app.inject({ method: 'DELETE', url: `/v1/webhooks/${body.id}`, headers: h })).statusCode, 204);
    t.equal((await app.inject({ method: 'GET', url: `/v1/webhooks/${body.id}`, headers: h })).json().code, 'S3GATE_WEBHOOK_NOT_FOUND');
  });

  t.test('refuses URLs that are not http(s), and unknown event types', async (t) => {
    for (const url of ['ftp://example.com/x', 'not a url']) {
      const res = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: h, payload: { url, events: ['s3:ObjectCreated:*'] } });
      t.equal(res.statusCode, 400, url);
      t.equal(res.json().code, 'S3GATE_INVALID_WEBHOOK_URL');
    }
    const res = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: h, payload: { url: 'http://127.0.0.1/x', events: ['s3:ObjectMangled:*'] } });
    t.equal(res.statusCode, 400);
    t.match(res.json().message, /matches no event type/);
  });

  t.test('delivers each matching event once, signed so that standardwebhooks verifies it', async (t) => {
    const created = await receiver(t);
    const removed = await receiver(t);
    const images = await create({ url: created.url, events: ['s3:ObjectCreated:*'], filter: { bucket, prefix: 'img/', suffix: '.jpg' } });
    await create({ url: removed.url, events: ['s3:ObjectRemoved:Delete'] });
    const res = (await put('img/cat.jpg', 'meow')).json();
    await put('img/cat.png');
    await put('doc/cat.jpg');
    await app.inject({ method: 'DELETE', url: `/v1/buckets/${bucket}/objects/img/cat.jpg`, headers: h });
    await until(() => created.received.length >= 1 && removed.received.length >= 1, 10_000, 'deliveries');
    await new Promise((r) => setTimeout(r, 300));
    t.equal(created.received.length, 1, 'only the matching object');
    t.equal(removed.received.length, 1);
    const r = created.received[0];
    t.equal(r.headers['content-type'], 'application/json');
    const verified = new Webhook(images.secret).verify(r.body, r.headers as Record<string, string>) as { id: string; type: string; data: Record<string, unknown> };
    t.equal(r.headers['webhook-id'], verified.id);
    t.match(verified, { id: /^evt_/, type: 's3:ObjectCreated:Put', timestamp: String, data: { tenant: 'hooks', bucket, key: 'img/cat.jpg', size: 4, etag: res.etag, source: 'gateway' } });
    t.throws(() => new Webhook('whsec_' + Buffer.alloc(32, 1).toString('base64')).verify(r.body, r.headers as Record<string, string>), 'another secret does not verify');
    t.equal(removed.bodies()[0].type, 's3:ObjectRemoved:Delete');
    const [d] = await deliveries(images.id);
    t.match(d, { eventId: verified.id, type: 's3:ObjectCreated:Put', status: 'delivered', attempts: 1, lastStatus: 200, lastError: null });
  });

  t.test('retries a failing endpoint until it answers, keeping the webhook-id, and logs every attempt', async (t) => {
    const rx = await receiver(t, (n) => (n <= 2 ? { status: 503, body: 'busy' } : { status: 204 }));
    const hook = await create({ url: rx.url, events: ['s3:ObjectCreated:Put'], filter: { prefix: 'retry/' } });
    await put('retry/a');
    await until(async () => (await deliveries(hook.id))[0]?.status === 'delivered', 10_000, 'the third attempt');
    t.equal(rx.received.length, 3);
    t.equal(new Set(rx.received.map((r) => r.headers['webhook-id'])).size, 1, 'one webhook-id across retries');
    const [d] = await deliveries(hook.id);
    const detail = (await app.inject({ method: 'GET', url: `/v1/webhooks/${hook.id}/deliveries/${d.id}`, headers: h })).json();
    t.equal(detail.attempts, 3);
    t.same(
      detail.attemptLog.map((a: { statusCode: number }) => a.statusCode),
      [503, 503, 204],
    );
    t.equal(detail.attemptLog[0].responseExcerpt, 'busy');
    t.ok(detail.attemptLog.every((a: { durationMs: number }) => a.durationMs >= 0));
  });

  t.test('honours Retry-After on 429', async (t) => {
    const rx = await receiver(t, (n) => (n === 1 ? { status: 429, headers: { 'retry-after': '30' } } : { status: 200 }));
    const hook = await create({ url: rx.url, events: ['s3:ObjectCreated:Put'], filter: { prefix: 'slow/' } });
    await put('slow/a');
    await until(async () => (await deliveries(hook.id))[0]?.attempts === 1, 10_000, 'the first attempt');
    const [d] = await deliveries(hook.id);
    t.equal(d.status, 'failed');
    t.equal(d.lastStatus, 429);
    const attemptAt = Date.parse((await app.inject({ method: 'GET', url: `/v1/webhooks/${hook.id}/deliveries/${d.id}`, headers: h })).json().attemptLog[0].at);
    t.ok(Date.parse(d.nextAttemptAt) - attemptAt >= 29_000, 'the next attempt waits at least Retry-After (the schedule says 100 ms)');
    t.equal((await app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/deliveries/${d.id}/retry`, headers: h })).statusCode, 202);
    await until(async () => (await deliveries(hook.id))[0]?.status === 'delivered', 10_000, 'the manual retry');
    t.pass('a manual retry delivers now');
  });

  t.test('410 Gone disables the subscription and says why', async (t) => {
    const rx = await receiver(t, () => ({ status: 410 }));
    const hook = await create({ url: rx.url, events: ['s3:ObjectCreated:Put'], filter: { prefix: 'gone/' } });
    await put('gone/a');
    await until(async () => (await deliveries(hook.id))[0]?.status === 'dead', 10_000, 'the delivery to die');
    const state = (await app.inject({ method: 'GET', url: `/v1/webhooks/${hook.id}`, headers: h })).json();
    t.equal(state.enabled, false);
    t.match(state.disabledReason, /410/);
    await put('gone/b');
    await new Promise((r) => setTimeout(r, 300));
    t.equal(rx.received.length, 1, 'nothing more is sent');
    const again = await app.inject({ method: 'PATCH', url: `/v1/webhooks/${hook.id}`, headers: h, payload: { enabled: true } });
    t.match(again.json(), { enabled: true, disabledReason: null });
  });

  t.test('a slow endpoint times out, a redirect is not followed, and the delivery dies after the schedule', async (t) => {
    const slow = await receiver(t, () => ({ status: 200, delayMs: 2000 }));
    const moved = await receiver(t, () => ({ status: 302, headers: { location: 'http://example.com/' } }));
    const a = await create({ url: slow.url, events: ['s3:ObjectCreated:Put'], filter: { prefix: 'timeout/' } });
    const b = await create({ url: moved.url, events: ['s3:ObjectCreated:Put'], filter: { prefix: 'timeout/' } });
    await put('timeout/a');
    await until(async () => (await deliveries(a.id))[0]?.status === 'dead' && (await deliveries(b.id))[0]?.status === 'dead', 20_000, 'both to die');
    const [da] = await deliveries(a.id);
    t.equal(da.attempts, 4, 'the first attempt and three retries');
    t.match(da.lastError, /no answer within 500 ms/);
    const [db] = await deliveries(b.id);
    t.equal(db.lastStatus, 302);
    t.match(db.lastError, /redirect to http:\/\/example.com\/ not followed/);
  });

  t.test('after a secret rotation both signatures are sent; replay re-sends logged events', async (t) => {
    const rx = await receiver(t);
    const hook = await create({ url: rx.url, events: ['s3:ObjectCreated:Put'], filter: { prefix: 'rot/' } });
    const since = new Date(Date.now() - 1000).toISOString();
    await put('rot/1');
    await until(() => rx.received.length === 1, 10_000, 'the first delivery');
    const rotated = (await app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/rotate-secret`, headers: h })).json();
    t.match(rotated.secret, /^whsec_/);
    t.not(rotated.secret, hook.secret);
    await put('rot/2');
    await until(() => rx.received.length === 2, 10_000, 'the second delivery');
    const second = rx.received[1];
    t.equal(String(second.headers['webhook-signature']).split(' ').length, 2, 'two signatures');
    t.ok(new Webhook(hook.secret).verify(second.body, second.headers as Record<string, string>), 'the old secret verifies');
    t.ok(new Webhook(rotated.secret).verify(second.body, second.headers as Record<string, string>), 'the new secret verifies');

    const replay = await app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/replay`, headers: h, payload: { since } });
    t.equal(replay.statusCode, 202);
    t.same(replay.json(), { count: 2 });
    await until(() => rx.received.length === 4, 10_000, 'the replayed deliveries');
    t.same(
      rx.received
        .slice(2)
        .map((r) => r.headers['webhook-id'])
        .sort(),
      rx.received
        .slice(0, 2)
        .map((r) => r.headers['webhook-id'])
        .sort(),
      'a replayed event keeps its id, so receivers can deduplicate',
    );

    const test = await app.inject({ method: 'POST', url: `/v1/webhooks/${hook.id}/test`, headers: h });
    t.match(test.json(), { ok: true, status: 200, eventId: /^evt_/ });
    t.equal(rx.bodies()[4].type, 's3:TestEvent');
  });

  t.test('deleting a subscription drops its pending deliveries', async (t) => {
    const rx = await receiver(t, () => ({ status: 500 }));
    const hook = await create({ url: rx.url, events: ['s3:ObjectCreated:Put'], filter: { prefix: 'del/' } });
    await put('del/a');
    await until(() => rx.received.length >= 1, 10_000, 'a first attempt');
    t.equal((await app.inject({ method: 'DELETE', url: `/v1/webhooks/${hook.id}`, headers: h })).statusCode, 204);
    const count = await app.db.kysely
      .selectFrom('deliveries')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('webhook_id', '=', hook.id)
      .executeTakeFirstOrThrow();
    t.equal(Number(count.n), 0);
  });
});

t.test('webhook URLs on private addresses are refused unless allowed', async (t) => {
  const app = await testApp(t);
  const key = await createTenant(app, { id: 'ssrf', driver: 'disk' });
  const special = [
    'http://127.0.0.1:9/x',
    'http://169.254.169.254/latest/meta-data',
    'http://[::1]/x',
    'http://10.1.2.3/x',
    'http://localhost/x',
    // Documentation, benchmarking and other IANA special-purpose ranges, and IPv6 forms that embed an
    // IPv4 address (compatible, translated, 6to4, Teredo, NAT64): each once got through.
    'http://192.0.2.1/x',
    'http://198.51.100.1/x',
    'http://203.0.113.1/x',
    'http://198.18.0.1/x',
    'http://[2001:db8::1]/x',
    'http://[100::1]/x',
    'http://[2001::1]/x',
    'http://[2002:7f00:1::]/x',
    'http://[::127.0.0.1]/x',
    'http://[::ffff:0:127.0.0.1]/x',
    'http://[::ffff:127.0.0.1]/x',
    'http://[64:ff9b::7f00:1]/x',
    'http://[fd00::1]/x',
  ];
  for (const url of special) {
    const res = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: bearer(key), payload: { url, events: ['s3:ObjectCreated:*'] } });
    t.equal(res.statusCode, 400, url);
    t.equal(res.json().code, 'S3GATE_INVALID_WEBHOOK_URL');
    t.match(res.json().message, /private|loopback|special-purpose/);
  }
  // A public address is accepted (registration does not connect).
  const ok = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: bearer(key), payload: { url: 'http://8.8.8.8/x', events: ['s3:ObjectCreated:*'] } });
  t.equal(ok.statusCode, 201);
  const ok6 = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: bearer(key), payload: { url: 'http://[2606:4700::1111]/x', events: ['s3:ObjectCreated:*'] } });
  t.equal(ok6.statusCode, 201);
});

t.test('a slow endpoint holds only its own slots: other subscriptions are delivered meanwhile', async (t) => {
  const app = await testApp(t, { config: { webhooks: { ...fast.webhooks, timeoutMs: 5000, endpointConcurrency: 2 } } });
  const key = await createTenant(app, { id: 'iso', driver: 'disk' });
  const h = bearer(key);
  await app.inject({ method: 'PUT', url: '/v1/buckets/iso-bucket', headers: h });
  const slow = await receiver(t, () => ({ status: 200, delayMs: 3000 }));
  const quick = await receiver(t);
  for (const url of [slow.url, quick.url]) await app.inject({ method: 'POST', url: '/v1/webhooks', headers: h, payload: { url, events: ['s3:ObjectCreated:*'] } });
  for (let i = 0; i < 10; i++) await app.inject({ method: 'PUT', url: `/v1/buckets/iso-bucket/objects/k${i}`, headers: h, payload: 'x' });
  await until(() => quick.received.length === 10, 10_000, 'the quick endpoint to get all ten');
  t.equal(quick.received.length, 10, 'all ten delivered to the quick endpoint');
  t.ok(slow.received.length <= 2, `the slow endpoint holds at most its 2 slots meanwhile (${slow.received.length} requests)`);
});

t.test('a subscription that keeps failing past the configured time is disabled, and says why', async (t) => {
  const app = await testApp(t, { config: { webhooks: { ...fast.webhooks, retrySchedule: [100, 100, 100, 100, 100, 100, 100, 100], disableAfterMs: 250 } } });
  const key = await createTenant(app, { id: 'failing', driver: 'disk' });
  const h = bearer(key);
  await app.inject({ method: 'PUT', url: '/v1/buckets/failing-bucket', headers: h });
  const rx = await receiver(t, () => ({ status: 500 }));
  const hook = (await app.inject({ method: 'POST', url: '/v1/webhooks', headers: h, payload: { url: rx.url, events: ['s3:ObjectCreated:*'] } })).json();
  await app.inject({ method: 'PUT', url: '/v1/buckets/failing-bucket/objects/k', headers: h, payload: 'x' });
  await until(async () => !(await app.inject({ method: 'GET', url: `/v1/webhooks/${hook.id}`, headers: h })).json().enabled, 10_000, 'the subscription to be disabled');
  const state = (await app.inject({ method: 'GET', url: `/v1/webhooks/${hook.id}`, headers: h })).json();
  t.match(state.disabledReason, /no successful delivery since/);
  const [d] = (await app.inject({ method: 'GET', url: `/v1/webhooks/${hook.id}/deliveries`, headers: h })).json().deliveries;
  t.equal(d.status, 'dead');
  t.ok(d.attempts >= 2 && d.attempts < 9, `given up by disabling, not by the schedule (${d.attempts} attempts)`);
});
