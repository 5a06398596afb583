import { ListBucketsCommand } from '@aws-sdk/client-s3';
import t from 'tap';
import { bearer, createTenant, testApp } from '../helpers/app.js';
import { directClient, rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';

const webhooks = {
  allowPrivate: true,
  timeoutMs: 1000,
  retrySchedule: [100],
  disableAfterMs: 60_000,
  concurrency: 8,
  endpointConcurrency: 4,
  pollMs: 50,
  retentionMs: 86_400_000,
  deliveryRetentionMs: 86_400_000,
  retentionIntervalMs: 3_600_000,
};

/**
 * RGW 16.2 aborts on a batch delete (DeleteObjects) in a bucket with a notification, taking every
 * tenant on it down. The fuzzer found a tenant could still get one through by wiring a bucket while
 * its batch deletes ran (the gateway recorded the wiring only after RGW had it).
 */
t.test('batch deletes running while a bucket is wired never reach RGW as a batch once it has a notification', async (t) => {
  const user = rgwUser('race');
  const app = await testApp(t, { config: { webhooks } });
  const h = bearer(await createTenant(app, { id: 'race', s3: rgwSettings(user) }));
  const rgw = directClient(user);
  for (let round = 0; round < 4; round++) {
    const bucket = uniqueBucket('race');
    t.equal((await app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}`, headers: h })).statusCode, 201);
    const keys = Array.from({ length: 120 }, (_, i) => `k${i}`);
    for (const k of keys) await app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}/objects/${k}`, headers: h, payload: 'x' });
    let wiring = true;
    const wire = app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}/notifications`, headers: h, payload: { enabled: true } }).finally(() => (wiring = false));
    const statuses: number[] = [];
    // Batches of two keys, back to back, from before the wiring until a few after it.
    const deleter = async (lane: number) => {
      for (let i = lane * 2, after = 0; i < keys.length && after < 3; i += 8) {
        if (!wiring) after++;
        const res = await app.inject({ method: 'POST', url: `/v1/buckets/${bucket}/delete`, headers: h, payload: { keys: keys.slice(i, i + 2) } });
        statuses.push(res.statusCode);
      }
    };
    await Promise.all([wire, deleter(0), deleter(1), deleter(2), deleter(3)]);
    t.equal((await wire).statusCode, 200, `round ${round}: the bucket is wired`);
    t.same([...new Set(statuses)], [200], `round ${round}: every batch delete answered 200`);
    const alive = await rgw.send(new ListBucketsCommand({})).then(
      () => true,
      () => false,
    );
    t.ok(alive, `round ${round}: RGW is still up`);
    if (!alive) break;
  }
});
