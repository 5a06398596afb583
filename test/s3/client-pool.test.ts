import t from 'tap';
import { TenantPool } from '../../src/s3/client-pool.js';
import type { ObjectStore } from '../../src/model/object-store.js';
import type { ResolvedTenant } from '../../src/model/tenant.js';

// The pool's own bookkeeping, with stores that record their lifecycle (no S3 behaviour is claimed here;
// the S3 side of the pool is tested against RGW in pool-isolation.test.ts and admin.test.ts).
function tenant(id: string, version = 1, maxSockets = 2, maxQueue = 1): ResolvedTenant {
  return {
    id,
    driver: 'disk',
    pool: { maxSockets, maxQueue, connectTimeoutMs: 1, requestTimeoutMs: 1 },
    limits: { maxObjectSize: 1, requestsPerSecond: 0, burst: 1, maxConcurrentUploads: 0, maxResumableUploads: 0 },
    version,
    createdAt: '',
    updatedAt: '',
  };
}

function recordingPool(opts: { maxTenants?: number; idleMs?: number; cooldownMs?: number } = {}) {
  const created: string[] = [];
  const closed: string[] = [];
  const reached = new Map<string, (ok: boolean) => void>();
  const pool = new TenantPool({
    maxTenants: opts.maxTenants ?? 10,
    idleMs: opts.idleMs ?? 60_000,
    circuit: { failures: 3, cooldownMs: opts.cooldownMs ?? 60_000 },
    factory: (t, report) => {
      const name = `${t.id}@${t.version}`;
      created.push(name);
      reached.set(t.id, report);
      return { stats: () => ({ inUse: 0, free: 0, queued: 0 }), close: async () => void closed.push(name) } as unknown as ObjectStore;
    },
  });
  return { pool, created, closed, reached };
}

t.test('concurrent first requests of a tenant share one client', async (t) => {
  const { pool, created } = recordingPool();
  t.teardown(() => pool.close());
  const leases = await Promise.all([1, 2, 3].map(async () => pool.lease(tenant('a', 1, 10, 10))));
  t.same(created, ['a@1']);
  t.equal(new Set(leases.map((l) => l.store)).size, 1);
  for (const l of leases) l.release();
});

t.test('admits maxSockets + maxQueue requests, then refuses with TenantBusy and Retry-After', async (t) => {
  const { pool } = recordingPool();
  t.teardown(() => pool.close());
  const a = tenant('a', 1, 2, 1);
  const leases = [pool.lease(a), pool.lease(a), pool.lease(a)];
  t.throws(() => pool.lease(a), { code: 'S3GATE_TENANT_BUSY', statusCode: 503, headers: { 'retry-after': '1' } });
  t.ok(pool.lease(tenant('b')), 'another tenant is unaffected');
  leases[0].release();
  leases[0].release();
  t.equal(pool.stats('a').inFlight, 2, 'a double release counts once');
  t.ok(pool.lease(a), 'a released slot is usable again');
});

t.test('a newer tenant version gets a new client; the old one closes after its last request', async (t) => {
  const { pool, created, closed } = recordingPool();
  t.teardown(() => pool.close());
  const old = pool.lease(tenant('a', 1));
  pool.lease(tenant('a', 2)).release();
  t.same(created, ['a@1', 'a@2']);
  t.same(closed, [], 'not closed while a request is in flight');
  t.equal(pool.stats('a').draining, 1);
  pool.lease(tenant('a', 1)).release();
  t.same(created, ['a@1', 'a@2'], 'a stale cached version never brings the old client back');
  old.release();
  await new Promise((r) => setImmediate(r));
  t.same(closed, ['a@1']);
  t.equal(pool.stats('a').draining, 0);
});

t.test('invalidate() replaces the client on the next request', async (t) => {
  const { pool, created, closed } = recordingPool();
  t.teardown(() => pool.close());
  pool.lease(tenant('a')).release();
  pool.invalidate('a');
  await new Promise((r) => setImmediate(r));
  t.same(closed, ['a@1']);
  pool.lease(tenant('a')).release();
  t.same(created, ['a@1', 'a@1']);
});

t.test('keeps at most maxTenants idle clients, closing the least recently used', async (t) => {
  const { pool, closed } = recordingPool({ maxTenants: 2 });
  t.teardown(() => pool.close());
  pool.lease(tenant('a')).release();
  pool.lease(tenant('b')).release();
  pool.lease(tenant('a')).release();
  pool.lease(tenant('c')).release();
  await new Promise((r) => setImmediate(r));
  t.same(closed, ['b@1'], 'b was the least recently used');
  t.equal(pool.size, 2);
});

t.test('closes clients left idle for idleMs', async (t) => {
  const { pool, closed } = recordingPool({ idleMs: 60 });
  t.teardown(() => pool.close());
  pool.lease(tenant('a')).release();
  const busy = pool.lease(tenant('b'));
  await new Promise((r) => setTimeout(r, 250));
  t.same(closed, ['a@1'], 'the idle client closed; the busy one stayed');
  busy.release();
});

t.test('close() closes every client and refuses new requests', async (t) => {
  const { pool, closed } = recordingPool();
  pool.lease(tenant('a')).release();
  pool.lease(tenant('b'));
  await pool.close();
  t.same(closed.sort(), ['a@1', 'b@1']);
  t.throws(() => pool.lease(tenant('a')), { code: 'S3GATE_SHUTTING_DOWN' });
});

t.test("a tenant's circuit opens after consecutive connection failures, fails fast, then lets one probe through", async (t) => {
  const { pool, reached } = recordingPool({ cooldownMs: 100 });
  t.teardown(() => pool.close());
  const a = tenant('a', 1, 10, 10);
  for (let i = 0; i < 3; i++) {
    const lease = pool.lease(a);
    reached.get('a')!(false);
    lease.release();
  }
  const refused = (() => {
    try {
      pool.lease(a);
    } catch (err) {
      return err as { code: string; headers: Record<string, string> };
    }
  })();
  t.equal(refused?.code, 'S3GATE_TENANT_UNAVAILABLE');
  t.equal(refused?.headers['retry-after'], '1');
  pool.lease(tenant('b', 1, 10, 10)).release();
  t.pass('another tenant is admitted meanwhile');
  await new Promise((r) => setTimeout(r, 120));
  const probe = pool.lease(a);
  t.throws(() => pool.lease(a), { code: 'S3GATE_TENANT_UNAVAILABLE' }, 'only one probe at a time');
  probe.release();
  const second = pool.lease(a);
  t.pass('a probe that made no S3 request frees the slot for another');
  reached.get('a')!(true);
  second.release();
  t.equal(pool.circuit('a').state, 'closed', 'an answer closes the circuit');
  pool.lease(a).release();
  for (let i = 0; i < 2; i++) reached.get('a')!(false);
  reached.get('a')!(true);
  reached.get('a')!(false);
  t.equal(pool.circuit('a').state, 'closed', 'failures must be consecutive');
});
