import t from 'tap';
import { StatsService, WEBHOOKS_PER_TENANT } from '../../src/services/stats.js';

// Every tenant's series, full for an hour, is at most 120 slots of 74 numbers (71 KB). 10,000 tenants
// active every 10 s would be 700 MB: the bound (S3GATE_STATS_MAX_SERIES) is what keeps it to 1,000 of them.
const SLOT_BYTES = (73 + 1) * 8;

t.test('10,000 tenants active for 70 minutes: the series keep the 1,000 most recent, in the memory the bound allows', async (t) => {
  let now = Date.UTC(2026, 11, 6, 12);
  const stats = new StatsService({ maxSeries: 1000, now: () => now });
  const before = process.memoryUsage().arrayBuffers;
  // Each tenant, then the next, answers a request in every 10 s step: every slot of both windows is filled.
  for (let step = 0; step < 7 * 60; step++, now += 10_000) for (let i = 0; i < 10_000; i += step % 6 === 0 ? 1 : 7) stats.request(`t${i}`, 'rest', 200, 3, 100, 1000);
  const tracked = stats.tracked();
  t.equal(tracked.tenants, 1000, 'a series for 1,000 tenants, no more');
  t.ok(tracked.evicted > 9000, `the least recently active were forgotten (${tracked.evicted})`);
  const grown = process.memoryUsage().arrayBuffers - before;
  const allowed = (1000 + 1) * 120 * SLOT_BYTES; // the gateway's own series is the +1
  t.ok(grown <= allowed * 1.05, `slots took ${(grown / 2 ** 20).toFixed(1)} MiB, the bound ${(allowed / 2 ** 20).toFixed(1)} MiB`);
  // What a ranking costs stays bounded too, and the busiest tenants are those of the last steps.
  const ranked = await stats.ranking('1h', 'requests', 5);
  t.equal(ranked.length, 5);
  t.ok(ranked[0].requests >= ranked[4].requests);
  t.equal((await stats.gateway('10m')).points.length, 60);
});

t.test('a tenant that made one request holds one slot per window, not the ring', async (t) => {
  const now = Date.UTC(2026, 11, 6, 12);
  const stats = new StatsService({ maxSeries: 100_000, now: () => now });
  const before = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 10_000; i++) stats.request(`t${i}`, 's3', 404, 1, 10, 10);
  const perTenant = (process.memoryUsage().arrayBuffers - before) / 10_000;
  t.ok(perTenant <= 2 * SLOT_BYTES * 1.05, `${perTenant.toFixed(0)} bytes of slots per tenant`);
  const frame = await stats.tenant('t42', '10m');
  t.equal(frame.totals.requests.s3['4xx'], 1);
  t.equal(frame.points.at(-1)!.requests.s3['4xx'], 1, 'in the step holding now');
  t.equal((await stats.tenant('nobody', '1h')).totals.requests.rest['2xx'], 0, 'an unknown tenant reads as zeros');
});

t.test("one tenant's many busy webhooks keep at most their share of the bound, not other tenants' series", async (t) => {
  const stats = new StatsService({ maxSeries: 100 });
  stats.delivery('quiet', 'wh_quiet', true, 5, 20);
  for (let i = 0; i < 1000; i++) stats.delivery('noisy', `wh_noisy_${i}`, i % 2 === 0, 5, 20);
  t.equal(stats.tracked().webhooks, 1 + WEBHOOKS_PER_TENANT, 'the noisy tenant holds its share, no more');
  t.equal((await stats.webhook('wh_quiet', '10m')).totals.succeeded, 1, "the quiet tenant's webhook keeps its figures");
  t.equal((await stats.webhook('wh_noisy_999', '10m')).totals.failed, 1, 'the newest of the noisy ones is there');
  t.equal((await stats.webhook('wh_noisy_0', '10m')).totals.succeeded, 0, 'its oldest went');
});
