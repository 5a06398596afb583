import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import t from 'tap';
import { ConfigError } from '../../src/config.js';
import { admin, bearer, createTenant, listen, tempDir, testApp } from '../helpers/app.js';
import { rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';
import { until } from '../helpers/stall.js';

for (const db of ['sqlite', 'postgres'] as const) {
  t.test(`tenant administration on ${db}`, async (t) => {
    const logs: string[] = [];
    const app = await testApp(t, { db, logStream: { write: (line) => void logs.push(line) } });
    const userA = rgwUser('admin-a');
    const userB = rgwUser('admin-b');

    t.test('creates a tenant with a one-time API key and never shows or stores its secret in clear', async (t) => {
      const res = await app.inject({
        method: 'POST',
        url: '/admin/tenants',
        headers: admin,
        payload: { id: 'acme', s3: rgwSettings(userA), pool: { maxSockets: 8 }, limits: { maxObjectSize: 1000 } },
      });
      t.equal(res.statusCode, 201);
      const body = res.json();
      t.match(body.apiKey, /^s3g_/);
      t.match(body, {
        id: 'acme',
        driver: 's3',
        s3: { accessKeyId: userA.accessKeyId, forcePathStyle: true, region: 'us-east-1' },
        pool: { maxSockets: 8, maxQueue: 200 },
        limits: { maxObjectSize: 1000 },
        version: 1,
      });
      t.notMatch(res.body, userA.secretAccessKey);
      for (const url of ['/admin/tenants', '/admin/tenants/acme']) {
        const r = await app.inject({ method: 'GET', url, headers: admin });
        t.equal(r.statusCode, 200);
        t.notMatch(r.body, userA.secretAccessKey, `${url} shows no secret`);
        t.notMatch(r.body, body.apiKey, `${url} shows no API key`);
      }
      const row = await app.db.kysely.selectFrom('tenants').selectAll().where('id', '=', 'acme').executeTakeFirstOrThrow();
      t.notMatch(JSON.stringify(row), userA.secretAccessKey, 'the secret is encrypted at rest');
      const keys = await app.db.kysely.selectFrom('api_keys').selectAll().where('tenant_id', '=', 'acme').execute();
      t.equal(keys.length, 1);
      t.notMatch(JSON.stringify(keys), body.apiKey, 'the API key is stored hashed');
      t.equal((await app.inject({ method: 'GET', url: '/v1/buckets', headers: bearer(body.apiKey) })).statusCode, 200, 'the key works');
    });

    t.test('a changed tenant takes effect without a restart; in-flight requests finish on the old client', async (t) => {
      const keyRes = await app.inject({ method: 'POST', url: '/admin/tenants/acme/keys', headers: admin });
      t.equal(keyRes.statusCode, 201);
      const key = keyRes.json().apiKey;
      const bucketA = uniqueBucket('of-a');
      const bucketB = uniqueBucket('of-b');
      t.equal((await app.inject({ method: 'PUT', url: `/v1/buckets/${bucketA}`, headers: bearer(key) })).statusCode, 201);
      await app.inject({ method: 'PATCH', url: '/admin/tenants/acme', headers: admin, payload: { limits: { maxObjectSize: 64 * 1024 * 1024 } } });
      t.equal((await app.inject({ method: 'PUT', url: `/v1/buckets/${bucketA}/objects/slow.bin`, headers: bearer(key), payload: Buffer.alloc(16 * 1024 * 1024) })).statusCode, 201);

      // Start a download and hold it open half-read while the tenant moves to other credentials.
      const base = await listen(app);
      let received = 0;
      let resume!: () => void;
      const download = new Promise<number>((resolve, reject) => {
        http.get(`${base}/v1/buckets/${bucketA}/objects/slow.bin`, { headers: bearer(key) }, (res) => {
          res.once('data', (chunk: Buffer) => {
            received += chunk.length;
            res.pause();
            resume = () => {
              res.on('data', (c: Buffer) => (received += c.length));
              res.on('end', () => resolve(received));
              res.resume();
            };
          });
          res.on('error', reject);
        });
      });
      await until(() => received > 0, 10_000, 'the download to start');
      const patched = await app.inject({ method: 'PATCH', url: '/admin/tenants/acme', headers: admin, payload: { s3: { accessKeyId: userB.accessKeyId, secretAccessKey: userB.secretAccessKey } } });
      t.equal(patched.statusCode, 200);
      t.equal(patched.json().version, 3, 'version 1, +1 for the limit, +1 for the credentials');
      t.equal(patched.json().s3.accessKeyId, userB.accessKeyId);

      t.equal((await app.inject({ method: 'PUT', url: `/v1/buckets/${bucketB}`, headers: bearer(key) })).statusCode, 201);
      const names = (await app.inject({ method: 'GET', url: '/v1/buckets', headers: bearer(key) })).json().buckets.map((b: { name: string }) => b.name);
      t.ok(names.includes(bucketB) && !names.includes(bucketA), 'new requests use the new credentials at once');
      const during = (await app.inject({ method: 'GET', url: '/admin/tenants/acme/pool', headers: admin })).json();
      t.equal(during.draining, 1, 'the old client is draining');
      resume();
      t.equal(await download, 16 * 1024 * 1024, 'the in-flight download finished on the old client');
      await until(async () => (await app.inject({ method: 'GET', url: '/admin/tenants/acme/pool', headers: admin })).json().draining === 0, 10_000, 'the old client to close');
      t.pass('the old client closed once its request finished');
      const badPatch = await app.inject({ method: 'PATCH', url: '/admin/tenants/acme', headers: admin, payload: { s3: { accessKeyId: 'other' } } });
      t.equal(badPatch.statusCode, 400, 'a new access key without its secret is refused');
      t.equal(badPatch.json().code, 'S3GATE_INVALID_TENANT');
    });

    t.test('revoked keys and deleted tenants are refused at once', async (t) => {
      const created = (await app.inject({ method: 'POST', url: '/admin/tenants/acme/keys', headers: admin })).json();
      t.equal((await app.inject({ method: 'GET', url: '/v1/buckets', headers: bearer(created.apiKey) })).statusCode, 200);
      t.equal((await app.inject({ method: 'DELETE', url: `/admin/tenants/acme/keys/${created.id}`, headers: admin })).statusCode, 204);
      t.equal((await app.inject({ method: 'GET', url: '/v1/buckets', headers: bearer(created.apiKey) })).statusCode, 401);
      const again = await app.inject({ method: 'DELETE', url: `/admin/tenants/acme/keys/${created.id}`, headers: admin });
      t.equal(again.statusCode, 404);
      t.equal(again.json().code, 'S3GATE_KEY_NOT_FOUND');

      const other = await createTenant(app, { id: 'temp', driver: 'disk' });
      t.equal((await app.inject({ method: 'GET', url: '/v1/buckets', headers: bearer(other) })).statusCode, 200);
      t.equal((await app.inject({ method: 'DELETE', url: '/admin/tenants/temp', headers: admin })).statusCode, 200);
      t.equal((await app.inject({ method: 'GET', url: '/v1/buckets', headers: bearer(other) })).statusCode, 401);
      t.equal((await app.inject({ method: 'GET', url: '/admin/tenants/temp', headers: admin })).statusCode, 404);
    });

    t.test('no log line contains a secret or an API key', async (t) => {
      const res = await app.inject({ method: 'POST', url: '/admin/tenants', headers: admin, payload: { id: 'leaky', s3: { ...rgwSettings(userA), secretAccessKey: 'wrong-secret-value-123' } } });
      const key = res.json().apiKey;
      t.equal((await app.inject({ method: 'GET', url: '/v1/buckets', headers: bearer(key) })).statusCode, 502);
      const all = logs.join('');
      t.ok(all.length > 0, 'there are log lines');
      for (const secret of [userA.secretAccessKey, userB.secretAccessKey, 'wrong-secret-value-123', key]) t.notOk(all.includes(secret), 'secret absent from logs');
      t.match(all, /"tenant":"leaky"/, 'log lines name the tenant');
      t.match(all, /"reqId":"[0-9a-f-]{36}"/, 'log lines carry the request id');
    });
  });
}

t.test('tenants declared in a file are created at start-up, idempotently', async (t) => {
  const dir = tempDir(t);
  const user = rgwUser('file');
  const file = join(dir, 'tenants.yaml');
  const apiKey = 's3g_' + 'f'.repeat(43);
  writeFileSync(
    file,
    `tenants:\n  - id: from-file\n    s3: { endpoint: "${rgwSettings(user).endpoint}", accessKeyId: "${user.accessKeyId}", secretAccessKey: "${user.secretAccessKey}" }\n    pool: { maxSockets: 7 }\n    apiKeys: ["${apiKey}"]\n  - id: disk-file\n    driver: disk\n`,
  );
  const dataDir = tempDir(t);
  for (let start = 1; start <= 2; start++) {
    const tt = { teardown: (fn: () => unknown) => t.teardown(fn) };
    const app = await testApp(tt, { dataDir, env: { S3GATE_TENANTS_FILE: file } });
    t.equal((await app.inject({ method: 'GET', url: '/v1/buckets', headers: bearer(apiKey) })).statusCode, 200, `start ${start}: the configured key works`);
    const tenant = (await app.inject({ method: 'GET', url: '/admin/tenants/from-file', headers: admin })).json();
    t.equal(tenant.pool.maxSockets, 7);
    t.equal(app.services.bootstrap.createdKeys.length, start === 1 ? 1 : 0, 'a key is generated once for the tenant without one');
    await app.close();
  }
  writeFileSync(file, 'tenants:\n  - id: broken\n    s3: { accessKeyId: x }\n');
  await t.rejects(testApp(t, { dataDir: tempDir(t), env: { S3GATE_TENANTS_FILE: file } }), ConfigError);
});

t.test('a tenants file in JSON is read as JSON; YAML flow style that starts like it still reads as YAML', async (t) => {
  const dir = tempDir(t);
  for (const [name, text] of [
    ['tenants.json', JSON.stringify({ tenants: [{ id: 'from-json', driver: 'disk' }] })],
    ['tenants.yaml', '{ tenants: [ { id: from-flow-yaml, driver: disk } ] }'],
  ]) {
    const file = join(dir, name);
    writeFileSync(file, text);
    const app = await testApp(t, { env: { S3GATE_TENANTS_FILE: file } });
    const id = name.endsWith('json') ? 'from-json' : 'from-flow-yaml';
    t.equal((await app.inject({ method: 'GET', url: `/admin/tenants/${id}`, headers: admin })).statusCode, 200, `${name}: ${id} was created`);
    await app.close();
  }
  writeFileSync(join(dir, 'bad.json'), '{ "tenants": [ { "id": "x", "driver": "disk" } ');
  await t.rejects(testApp(t, { env: { S3GATE_TENANTS_FILE: join(dir, 'bad.json') } }), ConfigError, 'a truncated file is refused with the setting named');
});
