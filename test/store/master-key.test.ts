import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { Webhook } from 'standardwebhooks';
import { ADMIN_TOKEN, admin, bearer, createTenant, listen, tempDir, tempPgDatabase, testApp } from '../helpers/app.js';
import { doorTenant, doorUrl, sdk } from '../helpers/door.js';
import { receiver } from '../helpers/receiver.js';
import { uniqueBucket } from '../helpers/rgw.js';
import { until } from '../helpers/stall.js';

const entry = fileURLToPath(new URL('../../src/server.ts', import.meta.url));
const key = () => randomBytes(32).toString('base64');

/** Builds the gateway as server.ts does; resolves to the error that stopped it, or closes it and resolves undefined. */
async function start(dataDir: string, env: Record<string, string>, databaseUrl?: string): Promise<Error | undefined> {
  try {
    const app = await buildApp(loadConfig({ S3GATE_ADMIN_TOKEN: ADMIN_TOKEN, S3GATE_BOOTSTRAP_LOCAL_TENANT: 'false', ...env }, { dataDir, databaseUrl }), { logger: false });
    await app.close();
    return undefined;
  } catch (err) {
    return err as Error;
  }
}

/** A tenant with sealed secrets (an S3 secret key and a webhook secret) in the app's state. */
async function secrets(app: Awaited<ReturnType<typeof testApp>>, id: string) {
  await createTenant(app, { id, driver: 's3', s3: { endpoint: 'http://127.0.0.1:9', region: 'us-east-1', accessKeyId: 'AK', secretAccessKey: 'secret' } });
  const res = await app.inject({ method: 'POST', url: `/admin/tenants/${id}/s3-keys`, headers: admin });
  if (res.statusCode !== 201) throw new Error(res.body);
}

t.test('a process whose master key does not open the state refuses to start, and says which setting to fix', async (t) => {
  const dataDir = tempDir(t);
  const k1 = key();
  const app = await testApp(t, { dataDir, env: { S3GATE_MASTER_KEY: k1 } });
  await secrets(app, 'sealed');
  await app.close();

  const wrong = await start(dataDir, { S3GATE_MASTER_KEY: key() });
  t.equal(wrong?.name, 'ConfigError', 'a start-up error, not a 500 per request');
  t.match(wrong?.message, /master key does not open the secrets of the SQLite state in .*S3GATE_MASTER_KEY is not the key they were sealed with/);
  t.equal(await start(dataDir, { S3GATE_MASTER_KEY: k1 }), undefined, 'the right key starts');

  // The key generated into the data directory is checked the same way.
  const own = tempDir(t);
  t.equal(await start(own, {}), undefined);
  writeFileSync(join(own, 'master.key'), key() + '\n');
  t.match((await start(own, {}))?.message, /the key in .*master\.key \(S3GATE_MASTER_KEY is unset\)/);

  // npm start exits with status 2 and the message, before listening.
  const run = spawnSync(process.execPath, ['--import', 'tsx', entry], {
    env: { PATH: process.env.PATH, S3GATE_DATA_DIR: dataDir, S3GATE_MASTER_KEY: key(), PORT: '0', S3GATE_S3_PORT: '0', LOG_LEVEL: 'warn' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  t.equal(run.status, 2);
  t.match(run.stderr, /^s3gate: the master key does not open the secrets/m);
  t.notMatch(run.stdout, /listening/);
});

t.test('on PostgreSQL a second process with another key refuses while the first serves', async (t) => {
  const databaseUrl = await tempPgDatabase(t);
  const k1 = key();
  const first = await testApp(t, { env: { S3GATE_MASTER_KEY: k1 }, config: { databaseUrl } });
  await secrets(first, 'shared');
  const err = await start(tempDir(t), { S3GATE_MASTER_KEY: key() }, databaseUrl);
  t.match(err?.message, /the PostgreSQL database 127\.0\.0\.1:5432\/s3gate_test_\w+:/);
  t.notMatch(err?.message, /postgres@/, 'no credentials in the message');
  t.equal(await start(tempDir(t), { S3GATE_MASTER_KEY: k1 }, databaseUrl), undefined);
  t.equal((await first.inject({ method: 'GET', url: '/admin/tenants/shared', headers: admin })).statusCode, 200, 'the first process is unaffected');
});

t.test('a store from before the canary: its secrets decide, then it gets a canary', async (t) => {
  const dataDir = tempDir(t);
  const k1 = key();
  const app = await testApp(t, { dataDir, env: { S3GATE_MASTER_KEY: k1 } });
  await secrets(app, 'old');
  await app.db.kysely.deleteFrom('state_meta').execute();
  await app.close();
  t.match((await start(dataDir, { S3GATE_MASTER_KEY: key() }))?.message, /does not open the secrets/, 'a sealed secret that does not open is refused');
  t.equal(await start(dataDir, { S3GATE_MASTER_KEY: k1 }), undefined);
  const again = await testApp(t, { dataDir, env: { S3GATE_MASTER_KEY: k1 } });
  t.equal((await again.db.kysely.selectFrom('state_meta').selectAll().execute()).length, 1, 'the canary was written');
});

t.test('online master-key rotation: tenants keep working while every secret is sealed again; then the old key can go', async (t) => {
  const dataDir = tempDir(t);
  const [k1, k2] = [key(), key()];
  const cfg = {
    webhooks: {
      allowPrivate: true,
      timeoutMs: 2000,
      retrySchedule: [100],
      disableAfterMs: 60_000,
      concurrency: 4,
      endpointConcurrency: 2,
      pollMs: 50,
      retentionMs: 3600_000,
      deliveryRetentionMs: 3600_000,
      retentionIntervalMs: 3600_000,
    },
  };
  const before = await testApp(t, { dataDir, env: { S3GATE_MASTER_KEY: k1 }, config: cfg });
  const { key: s3key, apiKey } = await doorTenant(before, 'rot', 'rgw');
  const auth = bearer(apiKey);
  const bucket = uniqueBucket('rot');
  t.equal((await before.inject({ method: 'PUT', url: `/v1/buckets/${bucket}`, headers: auth })).statusCode, 201);
  const rx = await receiver(t);
  const hook = (await before.inject({ method: 'POST', url: '/v1/webhooks', headers: auth, payload: { url: rx.url, events: ['s3:ObjectCreated:*'] } })).json() as { secret: string };
  // A broker subscription: its password is sealed too.
  const broker = (
    await before.inject({
      method: 'POST',
      url: '/v1/webhooks',
      headers: auth,
      payload: { url: 'amqp://guest:guest@127.0.0.1:5672/', events: ['s3:ObjectCreated:Copy'], destination: { routingKey: 'nowhere' } },
    })
  ).json() as { id: string };
  t.equal((await before.inject({ method: 'POST', url: '/admin/tenants/rot/ingest-token', headers: admin })).statusCode, 201);
  // More sealed rows than one batch holds.
  for (let i = 0; i < 12; i++) await doorTenant(before, `rot-disk-${i}`, 'disk');
  await before.close();

  const during = await testApp(t, { dataDir, env: { S3GATE_MASTER_KEY: k2, S3GATE_MASTER_KEY_PREVIOUS: k1 }, config: cfg });
  const base = await listen(during);
  const door = sdk(await doorUrl(during), s3key);
  let running = true;
  const outcomes = { ok: 0, failed: [] as string[] };
  const traffic = (async () => {
    for (let i = 0; running; i++) {
      const put = await fetch(`${base}/v1/buckets/${bucket}/objects/k${i % 5}`, { method: 'PUT', headers: auth, body: `v${i}` });
      const got = await door.send(new GetObjectCommand({ Bucket: bucket, Key: `k${i % 5}` })).then(
        (o) => o.Body!.transformToString(),
        (e: Error) => `error ${e.name}`,
      );
      if (put.status === 201 && got === `v${i}`) outcomes.ok++;
      else outcomes.failed.push(`${put.status} ${got}`);
    }
  })();
  await new Promise((r) => setTimeout(r, 300));
  const res = await during.inject({ method: 'POST', url: '/admin/master-key/rotate?batch=5', headers: admin });
  t.equal(res.statusCode, 200);
  const report = res.json() as { resealed: Record<string, number>; current: number; batches: number };
  // Traffic goes on after the rotation too, for a while and for a few requests at least (a loaded
  // machine may have served only a handful so far).
  const served = outcomes.ok + outcomes.failed.length;
  for (const start = Date.now(); Date.now() - start < 300 || (outcomes.ok + outcomes.failed.length < Math.max(served + 3, 6) && Date.now() - start < 10_000); )
    await new Promise((r) => setTimeout(r, 20));
  running = false;
  await traffic;
  t.same(outcomes.failed, [], `no request failed during the rotation (${outcomes.ok} PUT+GET pairs through REST and the S3 door)`);
  t.ok(outcomes.ok > 5);
  t.equal(report.resealed.tenants, 1, "the RGW tenant's S3 secret");
  t.equal(report.resealed.s3_keys, 13);
  t.equal(report.resealed.webhooks, 3, 'two signing secrets and a broker password');
  t.equal(report.resealed.ingest_tokens, 1);
  t.equal(report.resealed.state_meta, 1, 'the canary');
  t.ok(report.batches >= 5, `in bounded batches (${report.batches})`);
  const again = (await during.inject({ method: 'POST', url: '/admin/master-key/rotate', headers: admin })).json() as typeof report;
  t.same(Object.values(again.resealed), [0, 0, 0, 0, 0], 'a second run has nothing to do');
  t.equal(again.current, 19);
  await during.close();

  t.match((await start(dataDir, { S3GATE_MASTER_KEY: k1 }))?.message, /does not open the secrets/, 'the old key alone no longer opens the state');
  const after = await testApp(t, { dataDir, env: { S3GATE_MASTER_KEY: k2 }, config: cfg });
  const afterDoor = sdk(await doorUrl(after), s3key);
  const read = await afterDoor.send(new GetObjectCommand({ Bucket: bucket, Key: 'k0' }));
  t.match(await read.Body!.transformToString(), /^v\d+$/, 'the S3 key works with the new key alone');
  rx.received.length = 0;
  t.equal((await after.inject({ method: 'PUT', url: `/v1/buckets/${bucket}/objects/after`, headers: auth, payload: 'x' })).statusCode, 201, "the tenant's S3 secret opens with the new key alone");
  await until(() => rx.received.some((r) => r.body.includes('"after"')), 10_000, 'the delivery');
  const raw = rx.received.find((r) => r.body.includes('"after"'))!;
  t.ok(new Webhook(hook.secret).verify(raw.body, raw.headers as Record<string, string>), "the webhook's secret still signs");
  // Logged in with the password opened by the new key: RabbitMQ took the message (and returned it, unrouted).
  const tried = (await after.inject({ method: 'POST', url: `/v1/webhooks/${broker.id}/test`, headers: auth })).json() as { error: string };
  t.match(tried.error, /no queue is bound/, 'the broker password opens with the new key alone');
});

t.test('admin token rotation: the previous token works beside the new one until removed', async (t) => {
  const app = await testApp(t, { env: { S3GATE_ADMIN_TOKEN: 'new-admin-token', S3GATE_ADMIN_TOKEN_PREVIOUS: 'old-admin-token' } });
  for (const token of ['new-admin-token', 'old-admin-token'])
    t.equal((await app.inject({ method: 'GET', url: '/admin/tenants', headers: { authorization: `Bearer ${token}` } })).statusCode, 200, token);
  t.equal((await app.inject({ method: 'GET', url: '/admin/tenants', headers: { authorization: 'Bearer other' } })).statusCode, 401);
  const after = await testApp(t, { env: { S3GATE_ADMIN_TOKEN: 'new-admin-token' } });
  t.equal((await after.inject({ method: 'GET', url: '/admin/tenants', headers: { authorization: 'Bearer old-admin-token' } })).statusCode, 401, 'gone once removed');
});
