import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { ADMIN_TOKEN, admin, createTenant, tempDir, tempPgDatabase, testApp } from '../helpers/app.js';

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
