import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ADMIN_TOKEN, admin, bearer, createTenant, testApp } from '../helpers/app.js';
import { rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';
import type { FuzzContext } from './harness.js';
import type { TusFuzzContext } from './tus.js';
import type { Teardown } from '../helpers/http.js';

/** A gateway with an RGW tenant and a disk tenant, each with buckets and objects, and an ingest token. */
export async function fuzzTarget(t: Teardown): Promise<{ app: FastifyInstance; ctx: FuzzContext; tus: TusFuzzContext }> {
  const app = await testApp(t, { env: { S3GATE_WEBHOOK_ALLOW_PRIVATE: 'true' } });
  const tenants: FuzzContext['tenants'] = [];
  for (const [id, settings] of [
    ['fuzz-rgw', { s3: rgwSettings(rgwUser('fuzz')) }],
    ['fuzz-disk', { driver: 'disk' }],
  ] as const) {
    const apiKey = await createTenant(app, { id, ...settings });
    const buckets = [uniqueBucket('fz'), uniqueBucket('fz')];
    const keys = ['a.txt', 'dir/b.bin', 'ünï cödé/ç.txt', 'x'];
    for (const b of buckets) {
      await app.inject({ method: 'PUT', url: `/v1/buckets/${b}`, headers: bearer(apiKey) });
      for (const k of keys)
        await app.inject({
          method: 'PUT',
          url: `/v1/buckets/${b}/objects/${encodeURIComponent(k)}`,
          headers: { ...bearer(apiKey), 'content-type': 'text/plain' },
          payload: randomBytes(16).toString('hex'),
        });
    }
    const s3 = (await app.inject({ method: 'POST', url: `/admin/tenants/${id}/s3-keys`, headers: admin })).json() as { accessKeyId: string; secretAccessKey: string };
    tenants.push({ id, apiKey, buckets, keys, s3 });
  }
  const { path } = (await app.inject({ method: 'POST', url: '/admin/tenants/fuzz-disk/ingest-token', headers: admin })).json() as { path: string };
  // Uploads to append to (with an API key, and through presigned URLs), and presigned creation URLs.
  const tus: TusFuzzContext = { uploads: [], creationUrls: [] };
  for (const tenant of tenants) {
    for (const size of [10, 6 * 1024 * 1024]) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/uploads',
        headers: {
          ...bearer(tenant.apiKey),
          'tus-resumable': '1.0.0',
          'upload-length': String(size),
          'upload-metadata': `bucket ${Buffer.from(tenant.buckets[0]).toString('base64')},key ${Buffer.from(`tus-${size}`).toString('base64')}`,
        },
      });
      tus.uploads.push({ path: new URL(res.headers.location as string).pathname, apiKey: tenant.apiKey });
    }
    for (let i = 0; i < 3; i++) {
      const presign = (
        await app.inject({ method: 'POST', url: '/v1/presign', headers: bearer(tenant.apiKey), payload: { bucket: tenant.buckets[1], key: `presigned-${i}`, method: 'TUS', expiresIn: 3600 } })
      ).json() as { url: string };
      const url = new URL(presign.url);
      tus.creationUrls.push(url.pathname + url.search);
      const created = await app.inject({ method: 'POST', url: url.pathname + url.search, headers: { 'tus-resumable': '1.0.0', 'upload-length': '100' } });
      const location = new URL(created.headers.location as string);
      if (i === 0) tus.uploads.push({ path: location.pathname + location.search, apiKey: '' });
    }
  }
  return { app, ctx: { tenants, adminToken: ADMIN_TOKEN, ingestPath: path }, tus };
}
