import t from 'tap';
import { BoundedMap, bucketOf, HISTOGRAM_BUCKETS, quantile, SlotRing } from '../../src/lib/series.js';

t.test('a ring keeps one slot per step, reuses it a whole ring later, and reads oldest first with empty steps', async (t) => {
  const ring = new SlotRing(10_000, 6, 2);
  const t0 = 1_700_000_000_000; // a multiple of 10 s
  ring.slot(t0)[0] += 1;
  ring.slot(t0 + 9_999)[0] += 1;
  ring.slot(t0 + 20_000)[1] += 5;
  const read = [...ring.read(t0 + 25_000)];
  t.equal(read.length, 6);
  t.equal(read[5].start, t0 + 20_000, 'the last point is the step holding now');
  t.equal(read[3].start, t0);
  t.same(Array.from(read[3].values!), [2, 0], 'both records of the first step');
  t.equal(read[4].values, undefined, 'nothing recorded in the step between');
  t.same(Array.from(read[5].values!), [0, 5]);
  // Six steps later the first step's slot holds a new time: zeroed, not added to.
  ring.slot(t0 + 60_000)[0] += 7;
  const later = [...ring.read(t0 + 60_000)];
  t.same(Array.from(later[5].values!), [7, 0]);
  t.notOk(
    later.some((p) => p.start === t0),
    'the old step is out of the window',
  );
  t.ok(ring.live(t0 + 60_000));
  t.notOk(ring.live(t0 + 60_000 + 6 * 10_000), 'nothing within the window a ring later');
});

t.test('latency buckets double from 0.5 ms, and quantiles land within their bucket', async (t) => {
  t.equal(bucketOf(0), 0);
  t.equal(bucketOf(0.5), 0);
  t.equal(bucketOf(0.6), 1);
  t.equal(bucketOf(1), 1);
  t.equal(bucketOf(3), 3, '3 ms is in (2, 4]');
  t.equal(bucketOf(1e12), HISTOGRAM_BUCKETS - 1, 'everything past the last bound goes in the last bucket');
  const counts = new Float64Array(HISTOGRAM_BUCKETS + 1);
  t.equal(quantile(counts, 1, 0.5), null, 'empty: null');
  // 90 values of 3 ms and 10 of 100 ms, at offset 1.
  counts[1 + bucketOf(3)] = 90;
  counts[1 + bucketOf(100)] = 10;
  const p50 = quantile(counts, 1, 0.5)!;
  const p99 = quantile(counts, 1, 0.99)!;
  t.ok(p50 > 2 && p50 <= 4, `p50 ${p50} is within 3 ms's bucket`);
  t.ok(p99 > 64 && p99 <= 128, `p99 ${p99} is within 100 ms's bucket`);
  t.ok(quantile(counts, 1, 0.9)! <= 4, 'p90 is the 90th of 100: still 3 ms');
});

t.test('a bounded map forgets the key touched longest ago', async (t) => {
  const m = new BoundedMap<number>(2);
  m.touch('a', () => 1);
  m.touch('b', () => 2);
  m.touch('a', () => 99);
  m.touch('c', () => 3);
  t.equal(m.size, 2);
  t.equal(m.get('b'), undefined, 'b was least recently touched');
  t.equal(m.get('a'), 1, 'a touched again keeps its value');
  t.equal(m.evicted, 1);
});
