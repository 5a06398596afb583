import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ADMIN_TOKEN, admin, bearer, createTenant, testApp } from '../helpers/app.js';
import { rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';
import type { FuzzContext } from './harness.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** A gateway with an RGW tenant and a disk tenant, each with buckets and objects, and an ingest token. */
export async function fuzzTarget(t: Teardown): Promise<{ app: FastifyInstance; ctx: FuzzContext }> {
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
      for (const k of keys) await app.inject({ method: 'PUT', url: `/v1/buckets/${b}/objects/${encodeURIComponent(k)}`, headers: { ...bearer(apiKey), 'content-type': 'text/plain' }, payload: randomBytes(16).toString('hex') });
    }
    tenants.push({ apiKey, buckets, keys });
  }
  const { path } = (await app.inject({ method: 'POST', url: '/admin/tenants/fuzz-disk/ingest-token', headers: admin })).json() as { path: string };
  return { app, ctx: { tenants, adminToken: ADMIN_TOKEN, ingestPath: path } };
}
