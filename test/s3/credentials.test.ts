import t from 'tap';
import { RefreshingCredentials } from '../../src/s3/credentials.js';

/**
 * The refresh bookkeeping of temporary credentials, on a fake clock (STS itself is exercised against
 * RGW in test/tenants/credentials.test.ts).
 */
t.test('one refresh at a time, ahead of expiry, and the current credentials while it runs or fails', async (t) => {
  let now = 0;
  let calls = 0;
  let inFlight = 0;
  let peak = 0;
  let fail = false;
  let release: (() => void) | undefined;
  const refreshing = new RefreshingCredentials(
    async () => {
      calls++;
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise<void>((r) => (release = r));
      inFlight--;
      if (fail) throw new Error('STS is down');
      return { credentials: { accessKeyId: `AK${calls}`, secretAccessKey: 's' }, expiration: now + 900_000 };
    },
    { refreshBeforeMs: 300_000, now: () => now },
  );
  const provider = refreshing.provider as () => Promise<{ accessKeyId: string }>;

  const first = Array.from({ length: 10 }, () => provider());
  await new Promise((r) => setImmediate(r));
  release!();
  t.same(new Set((await Promise.all(first)).map((c) => c.accessKeyId)), new Set(['AK1']), 'ten first requests share one fetch');
  t.equal(calls, 1);

  now = 650_000; // 250 s left: inside the refresh window
  const during = await Promise.all(Array.from({ length: 10 }, () => provider()));
  t.same(new Set(during.map((c) => c.accessKeyId)), new Set(['AK1']), 'requests keep the current credentials while the refresh runs');
  t.equal(calls, 2, 'one refresh started');
  release!();
  await new Promise((r) => setImmediate(r));
  t.equal((await provider()).accessKeyId, 'AK2', 'then use the new ones');
  t.equal(peak, 1, 'never two refreshes at once');

  now = 1_550_000 - 200_000; // 200 s left of AK2: refresh, and it fails
  fail = true;
  t.equal((await provider()).accessKeyId, 'AK2', 'a failing refresh leaves the current credentials in use');
  release!();
  await new Promise((r) => setImmediate(r));
  fail = false;
  now = 1_550_000 - 10_000; // 10 s left: too close, a request waits for new credentials
  const waiting = provider();
  await new Promise((r) => setImmediate(r));
  release!();
  t.equal((await waiting).accessKeyId, 'AK4', 'near expiry a request waits for the refresh instead of signing with credentials about to lapse');
});
