import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { ADMIN_TOKEN, admin, createTenant, listen, tempDir, testApp } from '../helpers/app.js';
import { freePort } from '../helpers/stall.js';

const bin = fileURLToPath(new URL('../../bin/s3gate.js', import.meta.url));

interface Report {
  ok: boolean;
  checks: { check: string; ok: boolean; detail: string; fix?: string }[];
}

/** `npx s3gate doctor --json` with the given environment. */
async function doctor(env: Record<string, string>): Promise<{ code: number; report: Report }> {
  const out = await promisify(execFile)(process.execPath, [bin, 'doctor', '--json'], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 120_000 }).then(
    (r) => ({ code: 0, stdout: r.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
  );
  return { code: out.code, report: JSON.parse(out.stdout) as Report };
}

const byName = (r: Report) => Object.fromEntries(r.checks.map((c) => [c.check, c]));

t.test('s3gate doctor checks the state, the key, Redis, the gateway and every tenant, and says what to fix', async (t) => {
  const dataDir = tempDir(t);
  const masterKey = randomBytes(32).toString('base64');
  const app = await testApp(t, { dataDir, env: { S3GATE_MASTER_KEY: masterKey } });
  const base = await listen(app);
  await createTenant(app, { id: 'healthy', driver: 'disk' });
  await createTenant(app, { id: 'broken', driver: 's3', s3: { endpoint: `http://127.0.0.1:${await freePort()}`, region: 'us-east-1', accessKeyId: 'AK', secretAccessKey: 'SK' } });
  const env = { S3GATE_DATA_DIR: dataDir, S3GATE_MASTER_KEY: masterKey, S3GATE_ADMIN_TOKEN: ADMIN_TOKEN, S3GATE_PUBLIC_URL: base };

  const first = await doctor({ ...env, REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
  t.equal(first.code, 1, 'a failed check fails the command');
  const c = byName(first.report);
  t.same([c['state store'].ok, c.schema.ok, c['master key'].ok, c.gateway.ok, c['tenant healthy'].ok], [true, true, true, true, true]);
  t.match(c.schema.detail, /current/);
  t.equal(c.redis.ok, false);
  t.match(c.redis.fix, /Redis/);
  t.equal(c['tenant broken'].ok, false, 'the tenant whose S3 endpoint is down');
  t.match(c['tenant broken'].fix, /PATCH \/admin\/tenants\/broken/);

  const wrongKey = byName((await doctor({ ...env, S3GATE_MASTER_KEY: randomBytes(32).toString('base64') })).report)['master key'];
  t.equal(wrongKey.ok, false);
  t.match(wrongKey.fix, /S3GATE_MASTER_KEY/);

  const down = await doctor({ ...env, S3GATE_PUBLIC_URL: `http://127.0.0.1:${await freePort()}` });
  t.equal(byName(down.report).gateway.ok, false);
  t.match(byName(down.report).gateway.fix, /S3GATE_PUBLIC_URL/);

  t.equal((await app.inject({ method: 'DELETE', url: '/admin/tenants/broken', headers: admin })).statusCode, 200);
  const healthy = await doctor(env);
  t.same([healthy.code, healthy.report.ok], [0, true], 'all checks pass once the broken tenant is gone');
  t.equal((await app.db.kysely.selectFrom('state_meta').selectAll().execute()).length, 1, 'the doctor changed nothing');
});
