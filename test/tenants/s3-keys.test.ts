import t from 'tap';
import { admin, bearer, createTenant, testApp } from '../helpers/app.js';

for (const db of ['sqlite', 'postgres'] as const) {
  t.test(`S3 access keys: created with the secret shown once, listed without it, sealed at rest, revoked at once (${db})`, async (t) => {
    const app = await testApp(t, { db });
    const key = await createTenant(app, { id: 's3k', driver: 'disk' });
    const other = await createTenant(app, { id: 's3k-other', driver: 'disk' });

    const own = await app.inject({ method: 'POST', url: '/v1/s3-keys', headers: bearer(key) });
    t.equal(own.statusCode, 201);
    const pair = own.json() as { accessKeyId: string; secretAccessKey: string };
    t.match(pair, { accessKeyId: /^S3G[A-Z2-7]{17}$/, secretAccessKey: /^[A-Za-z0-9_-]{40}$/ });
    const byAdmin = await app.inject({ method: 'POST', url: '/admin/tenants/s3k/s3-keys', headers: admin });
    t.equal(byAdmin.statusCode, 201);
    t.equal((await app.inject({ method: 'POST', url: '/admin/tenants/nobody/s3-keys', headers: admin })).statusCode, 404);

    const listed = (await app.inject({ method: 'GET', url: '/v1/s3-keys', headers: bearer(key) })).json() as { s3Keys: { accessKeyId: string; revokedAt: string | null }[] };
    t.same(listed.s3Keys.map((k) => k.accessKeyId).sort(), [pair.accessKeyId, byAdmin.json().accessKeyId].sort());
    t.notMatch(JSON.stringify(listed), pair.secretAccessKey, 'no secret in a listing');
    t.same((await app.inject({ method: 'GET', url: '/admin/tenants/s3k/s3-keys', headers: admin })).json(), listed);
    t.same((await app.inject({ method: 'GET', url: '/v1/s3-keys', headers: bearer(other) })).json(), { s3Keys: [] }, 'another tenant sees none of them');

    const stored = await app.db.kysely.selectFrom('s3_keys').selectAll().where('access_key_id', '=', pair.accessKeyId).executeTakeFirstOrThrow();
    t.notMatch(stored.secret_sealed, pair.secretAccessKey, 'the secret is sealed at rest');
    t.same(await app.services.s3Keys.lookup(pair.accessKeyId), { tenantId: 's3k', secretAccessKey: pair.secretAccessKey });

    t.equal((await app.inject({ method: 'DELETE', url: `/v1/s3-keys/${pair.accessKeyId}`, headers: bearer(other) })).statusCode, 404, 'another tenant cannot revoke it');
    t.equal((await app.inject({ method: 'DELETE', url: `/v1/s3-keys/${pair.accessKeyId}`, headers: bearer(key) })).statusCode, 204);
    t.equal(await app.services.s3Keys.lookup(pair.accessKeyId), undefined, 'revoked at once');
    const again = await app.inject({ method: 'DELETE', url: `/admin/tenants/s3k/s3-keys/${pair.accessKeyId}`, headers: admin });
    t.equal(again.statusCode, 404);
    t.equal(again.json().code, 'S3GATE_S3_KEY_NOT_FOUND');

    t.equal((await app.inject({ method: 'DELETE', url: '/admin/tenants/s3k', headers: admin })).statusCode, 200);
    t.equal(await app.services.s3Keys.lookup(byAdmin.json().accessKeyId), undefined, "a deleted tenant's keys go with it");
    t.same(await app.db.kysely.selectFrom('s3_keys').select('access_key_id').where('tenant_id', '=', 's3k').execute(), []);
  });
}
