import t from 'tap';
import pg from 'pg';
import { PG_ADMIN_URL, admin, bearer, tempPgDatabase, testApp } from '../helpers/app.js';
import { until } from '../helpers/stall.js';

t.test('two gateway processes share tenants and keys through one PostgreSQL database', async (t) => {
  const databaseUrl = await tempPgDatabase(t);
  // A short cache TTL: each process sees the other's changes within it.
  const config = { databaseUrl, tenantCacheTtlMs: 100, masterKey: Buffer.alloc(32, 7).toString('base64') };
  const a = await testApp(t, { config });
  const b = await testApp(t, { config });

  const created = await a.inject({ method: 'POST', url: '/admin/tenants', headers: admin, payload: { id: 'shared', driver: 'disk' } });
  t.equal(created.statusCode, 201);
  const key = created.json().apiKey;
  t.equal((await b.inject({ method: 'GET', url: '/v1/buckets', headers: bearer(key) })).statusCode, 200, 'a key made on A works on B');
  t.equal((await b.inject({ method: 'GET', url: '/admin/tenants/shared', headers: admin })).json().version, 1);

  const patched = await b.inject({ method: 'PATCH', url: '/admin/tenants/shared', headers: admin, payload: { pool: { maxSockets: 3 } } });
  t.equal(patched.json().version, 2);
  t.equal((await a.inject({ method: 'GET', url: '/admin/tenants/shared', headers: admin })).json().pool.maxSockets, 3, 'a change on B is read on A');

  const keyId = created.json().apiKeyId;
  t.equal((await b.inject({ method: 'DELETE', url: `/admin/tenants/shared/keys/${keyId}`, headers: admin })).statusCode, 204);
  t.equal((await b.inject({ method: 'GET', url: '/v1/buckets', headers: bearer(key) })).statusCode, 401, 'revoked at once on B');
  await until(async () => (await a.inject({ method: 'GET', url: '/v1/buckets', headers: bearer(key) })).statusCode === 401, 5000, 'A to see the revocation');
  t.pass('revoked on A within the cache TTL');
});

t.test('PostgreSQL ending the idle connections (a restart, an administrator) does not end the gateway; the next request reconnects', async (t) => {
  const app = await testApp(t, { db: 'postgres' });
  t.equal((await app.inject({ method: 'POST', url: '/admin/tenants', headers: admin, payload: { id: 'before', driver: 'disk' } })).statusCode, 201);
  const name = new URL(app.config.databaseUrl!).pathname.slice(1);
  const admin_ = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin_.connect();
  const ended = await admin_.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
  await admin_.end();
  t.ok(ended.rowCount! > 0, 'the gateway had idle connections, now ended');
  await new Promise((r) => setTimeout(r, 200));
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, 'still serving');
  t.equal((await app.inject({ method: 'POST', url: '/admin/tenants', headers: admin, payload: { id: 'after', driver: 'disk' } })).statusCode, 201);
});
