import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import t from 'tap';
import { admin, bearer, listen, tempDir, testApp } from '../helpers/app.js';
import { doorTenant, doorUrl, sdk } from '../helpers/door.js';
import { receiver } from '../helpers/receiver.js';
import { until } from '../helpers/stall.js';

const bin = fileURLToPath(new URL('../../bin/s3gate.js', import.meta.url));
const run = promisify(execFile);

/** The real binary, as `npx s3gate` runs it. */
function s3gate(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, [bin, ...args], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 120_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

const webhooks = {
  allowPrivate: true,
  timeoutMs: 1000,
  retrySchedule: [600_000],
  disableAfterMs: 3_600_000,
  concurrency: 4,
  endpointConcurrency: 2,
  pollMs: 50,
  retentionMs: 3600_000,
  deliveryRetentionMs: 3600_000,
  retentionIntervalMs: 3600_000,
};

t.test('admin backup copies the SQLite state under write load; restore into a fresh data directory brings back every tenant, key, webhook and pending delivery, working', async (t) => {
  const masterKey = randomBytes(32).toString('base64');
  const dataDir = tempDir(t);
  const app = await testApp(t, { dataDir, env: { S3GATE_MASTER_KEY: masterKey }, config: { webhooks } });
  const base = await listen(app);
  const { key: s3key, apiKey } = await doorTenant(app, 'kept', 'disk');
  const auth = bearer(apiKey);
  t.equal((await fetch(`${base}/v1/buckets/kept-bucket`, { method: 'PUT', headers: auth })).status, 201);
  // The receiver is down: deliveries stay pending (the next retry is minutes away).
  const rx = await receiver(t, () => ({ status: 503 }));
  const hook = (await (
    await fetch(`${base}/v1/webhooks`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ url: rx.url, events: ['s3:ObjectCreated:*'] }) })
  ).json()) as { id: string };

  let writing = true;
  let writes = 0;
  const load = (async () => {
    for (let i = 0; writing; i++) {
      const res = await fetch(`${base}/v1/buckets/kept-bucket/objects/o${i}`, { method: 'PUT', headers: auth, body: `v${i}` });
      if (res.status === 201) writes++;
    }
  })();
  await until(() => writes >= 20, 10_000, 'writes before the backup');
  const file = join(tempDir(t), 'state.backup');
  const backup = await s3gate(['admin', 'backup', file, '--data-dir', dataDir, '--json']);
  const writesDuringBackup = writes;
  await until(() => writes >= writesDuringBackup + 20, 10_000, 'writes after the backup');
  writing = false;
  await load;
  t.equal(backup.code, 0, backup.stderr);
  const summary = JSON.parse(backup.stdout) as { tenants: number; apiKeys: number; s3Keys: number; webhooks: number; pendingDeliveries: number; schemaVersion: string };
  t.same([summary.tenants, summary.apiKeys, summary.s3Keys, summary.webhooks], [1, 1, 1, 1]);
  t.ok(summary.pendingDeliveries >= 20 && summary.pendingDeliveries < writes, `the copy is one moment under load: ${summary.pendingDeliveries} deliveries pending of ${writes} writes`);
  t.equal((await s3gate(['admin', 'backup', file, '--data-dir', dataDir])).code, 2, 'an existing file is never overwritten');
  await app.close();

  // A fresh data directory, the same master key.
  const fresh = join(tempDir(t), 'restored');
  const restore = await s3gate(['admin', 'restore', file, '--data-dir', fresh]);
  t.equal(restore.code, 0, restore.stderr);
  t.match(restore.stdout, /restored .* 1 tenants, 1 webhooks, \d+ deliveries pending/);
  t.match(restore.stdout, /S3GATE_MASTER_KEY/, 'it says which key the secrets need');
  const again = await s3gate(['admin', 'restore', file, '--data-dir', fresh]);
  t.same([again.code, /--force/.test(again.stderr)], [2, true], 'a state store there is replaced only with --force');

  rx.setBehaviour(() => ({ status: 200 }));
  const restored = await testApp(t, { dataDir: fresh, env: { S3GATE_MASTER_KEY: masterKey }, config: { webhooks } });
  const rbase = await listen(restored);
  t.equal((await fetch(`${rbase}/admin/tenants/kept`, { headers: admin })).status, 200, 'the tenant');
  t.equal((await fetch(`${rbase}/v1/webhooks/${hook.id}`, { headers: auth })).status, 200, 'its API key and its webhook');
  const buckets = await sdk(await doorUrl(restored), s3key).send(new ListBucketsCommand({}));
  t.ok(Array.isArray(buckets.Buckets), 'its S3 key signs requests to the door');
  // The pending deliveries are there and go out once retried.
  const pending = (await (await fetch(`${rbase}/v1/webhooks/${hook.id}/deliveries?status=failed&limit=100`, { headers: auth })).json()) as { deliveries: { id: string }[] };
  t.ok(pending.deliveries.length > 0, `${pending.deliveries.length} failed deliveries waiting for their retry`);
  const before = rx.received.length;
  const retried = await fetch(`${rbase}/v1/webhooks/${hook.id}/deliveries/${pending.deliveries[0].id}/retry`, { method: 'POST', headers: auth });
  t.equal(retried.status, 202);
  await until(() => rx.received.length > before && rx.received.at(-1)!.headers['webhook-signature'] !== undefined, 10_000, 'the retried delivery');

  const pg = await s3gate(['admin', 'backup', join(tempDir(t), 'x')], { DATABASE_URL: 'postgres://127.0.0.1/none' });
  t.same([pg.code, /pg_dump/.test(pg.stderr)], [2, true], 'on PostgreSQL it points at pg_dump');
  t.notOk(existsSync(join(fresh, 's3gate.sqlite.restoring')));
});
