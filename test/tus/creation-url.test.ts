import t from 'tap';
import { bearer, createTenant, listen, testApp } from '../helpers/app.js';
import { metadataHeader, tusRequest } from '../helpers/tus.js';

t.test('a presigned tus creation URL creates one upload, however often it is used', async (t) => {
  const app = await testApp(t);
  const base = await listen(app);
  const auth = bearer(await createTenant(app, { id: 'once', driver: 'disk' }));
  t.equal((await fetch(`${base}/v1/buckets/once-bkt`, { method: 'PUT', headers: auth })).status, 201);
  const presign = async (key: string) =>
    (
      (await (
        await fetch(`${base}/v1/presign`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ bucket: 'once-bkt', key, method: 'TUS', expiresIn: 600 }),
        })
      ).json()) as { url: string }
    ).url;
  const openUploads = async () =>
    Number(
      (
        await app.db.kysely
          .selectFrom('tus_uploads')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('tenant_id', '=', 'once')
          .executeTakeFirst()
      )?.n,
    );

  const url = await presign('u1.bin');
  const first = await tusRequest(url, 'POST', { 'upload-length': '10' });
  t.equal(first.status, 201);
  const location = first.headers.get('location')!;
  t.match(location, /\/v1\/uploads\/[0-9a-f]{32}\?/);
  t.equal((await tusRequest(location, 'PATCH', { 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }, 'hello')).status, 204);

  // The audit's 950 creations: each answers the one upload, at its offset.
  const repeats = [];
  for (let i = 0; i < 950; i++) repeats.push(await tusRequest(url, 'POST', { 'upload-length': String(5 * 1024 ** 3) }));
  t.same(new Set(repeats.map((r) => `${r.status} ${r.headers.get('location')} ${r.headers.get('upload-offset')}`)), new Set([`201 ${location} 5`]), 'a repeat answers the same upload at its offset');
  t.ok(repeats[0].headers.get('upload-expires'), 'with its expiry');
  t.equal(await openUploads(), 1, 'one upload exists');

  // A repeat that names another key is refused as the URL's first use would be.
  const elsewhere = await tusRequest(url, 'POST', { 'upload-length': '1', 'upload-metadata': metadataHeader({ key: 'other.bin' }) });
  t.same([elsewhere.status, elsewhere.code], [403, 'S3GATE_PRESIGN_INVALID']);

  // Twenty at once on a fresh URL: one upload, every answer its URL.
  const fresh = await presign('u2.bin');
  const raced = await Promise.all(Array.from({ length: 20 }, () => tusRequest(fresh, 'POST', { 'upload-length': '3' })));
  const made = new Set(raced.filter((r) => r.status === 201).map((r) => new URL(r.headers.get('location')!).pathname));
  t.equal(made.size, 1, `one upload for twenty creations (${raced.map((r) => r.status).join(' ')})`);
  t.ok(
    raced.every((r) => r.status === 201 || r.code === 'S3GATE_PRESIGN_USED'),
    'the others answer it, or 409 if they lost the race to it',
  );
  t.equal(await openUploads(), 2);

  // Once its upload is gone, the URL creates nothing more.
  t.equal((await tusRequest(location, 'DELETE')).status, 204);
  const after = await tusRequest(url, 'POST', { 'upload-length': '10' });
  t.same([after.status, after.code], [409, 'S3GATE_PRESIGN_USED'], 'after termination');
  t.equal(await openUploads(), 1);

  // A creation URL without a nonce (made by an earlier release) is refused.
  const tenant = await app.services.tenants.resolve('once');
  const old = app.services.urlSigner.sign(base, { tenant: 'once', tenantCreatedAt: tenant.createdAt, method: 'TUS', bucket: 'once-bkt', key: 'old.bin', expires: Math.floor(Date.now() / 1000) + 600 });
  const refused = await tusRequest(old, 'POST', { 'upload-length': '1' });
  t.same([refused.status, refused.code], [403, 'S3GATE_PRESIGN_INVALID']);
  t.match(refused.message, /earlier release/);
});
