import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { admin, bearer, createTenant, tempDir, testApp } from '../helpers/app.js';
import { rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';

const bin = fileURLToPath(new URL('../../bin/s3gate.js', import.meta.url));

async function rotate(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [bin, 'admin', 'rotate-master-key', ...args], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 120_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

t.test('npx s3gate admin rotate-master-key seals every secret again while a gateway serves; then the old key can go', async (t) => {
  const dataDir = tempDir(t);
  const [oldKey, newKey] = [randomBytes(32).toString('base64'), randomBytes(32).toString('base64')];

  // Secrets sealed with the old key: a tenant's S3 credentials, an S3 key, a webhook secret, the canary.
  const before = await testApp(t, { dataDir, env: { S3GATE_MASTER_KEY: oldKey, S3GATE_WEBHOOK_ALLOW_PRIVATE: 'true' } });
  const apiKey = await createTenant(before, { id: 'rot', s3: rgwSettings(rgwUser('rot')) });
  t.equal((await before.inject({ method: 'POST', url: '/admin/tenants/rot/s3-keys', headers: admin })).statusCode, 201);
  t.equal((await before.inject({ method: 'POST', url: '/v1/webhooks', headers: bearer(apiKey), payload: { url: 'http://127.0.0.1:9/hook', events: ['*'] } })).statusCode, 201);
  await before.close();

  // A gateway running through the rotation opens both keys.
  const during = await testApp(t, { dataDir, env: { S3GATE_MASTER_KEY: newKey, S3GATE_MASTER_KEY_PREVIOUS: oldKey } });
  const bucket = uniqueBucket('rot');
  t.equal((await during.inject({ method: 'PUT', url: `/v1/buckets/${bucket}`, headers: bearer(apiKey) })).statusCode, 201);

  const env = { S3GATE_DATA_DIR: dataDir, S3GATE_MASTER_KEY: newKey, S3GATE_MASTER_KEY_PREVIOUS: oldKey };
  const first = await rotate(env, '--json', '--batch', '1');
  t.equal(first.code, 0, first.stderr);
  const report = JSON.parse(first.stdout) as { resealed: Record<string, number>; current: number; batches: number };
  t.match(report.resealed, { tenants: 1, s3_keys: 1, webhooks: 1, state_meta: 1 });
  t.ok(report.batches >= 4, 'one row per transaction with --batch 1');
  t.equal((await during.inject({ method: 'PUT', url: `/v1/buckets/${bucket}/objects/during.txt`, headers: bearer(apiKey), payload: 'x' })).statusCode, 201, 'the tenant works during the rotation');

  const again = await rotate(env, '--json');
  t.equal(again.code, 0);
  t.same(Object.values((JSON.parse(again.stdout) as typeof report).resealed), [0, 0, 0, 0, 0], 'a second run has nothing to do');
  t.match((await rotate(env)).stdout, /restart every gateway without S3GATE_MASTER_KEY_PREVIOUS/);
  await during.close();

  // The old key is gone: a gateway with the new key alone starts and the tenant's S3 credentials open.
  const after = await testApp(t, { dataDir, env: { S3GATE_MASTER_KEY: newKey } });
  t.equal((await after.inject({ method: 'GET', url: `/v1/buckets/${bucket}/objects/during.txt`, headers: bearer(apiKey) })).body, 'x');

  t.test('refuses what cannot be right, with what to set', async (t) => {
    const missing = await rotate({ S3GATE_DATA_DIR: dataDir });
    t.equal(missing.code, 2);
    t.match(missing.stderr, /set S3GATE_MASTER_KEY to the new key/);
    const wrong = await rotate({ S3GATE_DATA_DIR: dataDir, S3GATE_MASTER_KEY: randomBytes(32).toString('base64'), S3GATE_MASTER_KEY_PREVIOUS: oldKey });
    t.equal(wrong.code, 2);
    t.match(wrong.stderr, /neither S3GATE_MASTER_KEY nor S3GATE_MASTER_KEY_PREVIOUS opens the secrets/);
    const badBatch = await rotate({ ...env, S3GATE_MASTER_KEY_PREVIOUS: '' }, '--batch', '0');
    t.equal(badBatch.code, 2);
    t.match(badBatch.stderr, /--batch takes a number of rows from 1 to 1000/);
  });
});
