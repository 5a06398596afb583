import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import t from 'tap';
import { MemoryRateLimiter, RedisRateLimiter, type RateLimiter } from '../../src/lib/rate-limiter.js';

const REDIS_URL = process.env.S3GATE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

t.test('a cost above the burst is taken once, then owed: the sustained rate holds (memory and Redis)', async (t) => {
  const redis = new Redis(REDIS_URL);
  t.teardown(() => redis.quit());
  const limiters: [string, RateLimiter][] = [
    ['memory', new MemoryRateLimiter()],
    ['redis', new RedisRateLimiter(redis, `s3gate-test:${randomBytes(4).toString('hex')}:`)],
  ];
  for (const [name, limiter] of limiters) {
    t.teardown(() => limiter.close());
    const key = 'k';
    const first = await limiter.take(key, 2, 4, 100);
    t.equal(first.allowed, true, `${name}: a batch of 100 passes while the tenant is within its rate`);
    t.equal(first.remaining, 0);
    const next = await limiter.take(key, 2, 4);
    t.equal(next.allowed, false, `${name}: then even one request waits`);
    // 100 at 2 per second, of which the burst of 4 was in hand: about 48 s owed.
    t.ok(next.retryAfterMs > 45_000 && next.retryAfterMs <= 48_500, `${name}: retry after ${next.retryAfterMs} ms`);
    const other = await limiter.take('other', 2, 4);
    t.equal(other.allowed, true, `${name}: another key is not affected`);
    t.equal(other.remaining, 3);
  }
});
