import t from 'tap';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { bearer, createTenant, testApp } from '../helpers/app.js';
import { directClient, rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';

// The LRU of tenant clients closes idle ones and makes them again on the next request, many times a
// second here (4 live clients for 60 tenants under 24 concurrent requests). Every answer must still come
// from the tenant's own credentials: its own bucket readable, the other account's refused, on the
// signed path (GET) and through the SDK client (LIST) alike.
t.test("tenant clients evicted and made again under load never serve one tenant with another's credentials", async (t) => {
  const MAX_LIVE = 4;
  const app = await testApp(t, { env: { S3GATE_POOL_MAX_TENANTS: String(MAX_LIVE), S3GATE_POOL_IDLE_MS: '50' } });
  const accounts = await Promise.all(
    ['a', 'b'].map(async (name) => {
      const user = rgwUser(`lru-${name}`);
      const bucket = uniqueBucket(`lru-${name}`);
      const s3 = directClient(user);
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'owner', Body: name }));
      s3.destroy();
      return { name, user, bucket };
    }),
  );
  const tenants: { key: string; own: (typeof accounts)[number]; other: (typeof accounts)[number] }[] = [];
  for (let i = 0; i < 30; i++) {
    for (const [own, other] of [accounts, [...accounts].reverse()]) {
      const key = await createTenant(app, { id: `lru-${own.name}-${i}`, s3: rgwSettings(own.user) });
      tenants.push({ key, own, other });
    }
  }

  const wrong: string[] = [];
  let maxLive = 0;
  let next = 0;
  const REQUESTS = 1200;
  await Promise.all(
    Array.from({ length: 24 }, async () => {
      while (next < REQUESTS) {
        const n = next++;
        const tenant = tenants[(n * 7) % tenants.length];
        const kind = n % 4;
        const bucket = kind < 2 ? tenant.own.bucket : tenant.other.bucket;
        const url = kind % 2 === 0 ? `/v1/buckets/${bucket}/objects/owner` : `/v1/buckets/${bucket}/objects?prefix=own`;
        const res = await app.inject({ method: 'GET', url, headers: bearer(tenant.key) });
        maxLive = Math.max(maxLive, app.services.pool.size);
        if (kind === 0 && (res.statusCode !== 200 || res.body !== tenant.own.name)) wrong.push(`GET own: ${res.statusCode} ${res.body.slice(0, 80)}`);
        if (kind === 1 && (res.statusCode !== 200 || res.json().objects?.[0]?.key !== 'owner')) wrong.push(`LIST own: ${res.statusCode} ${res.body.slice(0, 80)}`);
        // Another account's bucket does not exist for this tenant (the gateway says 404, or 403 from S3).
        if (kind >= 2 && res.statusCode !== 404 && res.statusCode !== 403) wrong.push(`${kind === 2 ? 'GET' : 'LIST'} other account's bucket: ${res.statusCode} ${res.body.slice(0, 80)}`);
      }
    }),
  );
  t.same(wrong, [], `all ${REQUESTS} answers came from the tenant's own credentials`);
  t.ok(maxLive < tenants.length, `live clients stayed bounded under load (at most ${maxLive} of ${tenants.length} tenants; in-flight clients are never evicted)`);
  await new Promise((r) => setTimeout(r, 200));
  t.ok(app.services.pool.size <= MAX_LIVE, `idle clients closed back to the bound (${app.services.pool.size} live, at most ${MAX_LIVE})`);
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  t.match(metrics, /^s3gate_pool_live_tenants \d+$/m, 'the live-client gauge is exported');
});
