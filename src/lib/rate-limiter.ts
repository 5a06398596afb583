import type { Redis } from 'ioredis';

export interface RateDecision {
  allowed: boolean;
  /** Requests that could be made right now after this one. */
  remaining: number;
  /** Milliseconds until the bucket is full again. */
  resetMs: number;
  /** When refused: milliseconds until one request is allowed. */
  retryAfterMs: number;
}

export interface RateLimiter {
  /**
   * Takes `cost` requests (default 1) from `key`'s bucket of `burst` requests refilled at `rate` per
   * second. A cost is allowed whenever one request would be, and whatever the bucket lacks is owed:
   * later requests wait until it is paid back. The sustained rate holds, and a batch larger than what
   * the bucket holds (a notification of 100 records) is not refused for ever.
   */
  take(key: string, rate: number, burst: number, cost?: number): Promise<RateDecision>;
  close(): Promise<void>;
}

/**
 * GCRA, the token bucket as one number per key: the theoretical arrival time (TAT) of the next
 * request. Each request moves it by 1/rate; a request is allowed while TAT stays within burst/rate of
 * now. Times in microseconds.
 */
function gcra(tat: number, now: number, rate: number, burst: number, cost: number): { decision: RateDecision; tat: number } {
  const interval = 1e6 / rate;
  const tolerance = interval * burst;
  const start = Math.max(tat, now);
  const next = start + interval * cost;
  const allowAt = start + interval - tolerance;
  if (now < allowAt) return { tat, decision: { allowed: false, remaining: 0, resetMs: Math.ceil((start - now) / 1000), retryAfterMs: Math.ceil((allowAt - now) / 1000) } };
  return { tat: next, decision: { allowed: true, remaining: Math.max(0, Math.floor((tolerance - (next - now)) / interval)), resetMs: Math.ceil((next - now) / 1000), retryAfterMs: 0 } };
}

/** Counters in this process: the limit holds per process. */
export class MemoryRateLimiter implements RateLimiter {
  readonly #tats = new Map<string, number>();
  readonly #sweep = setInterval(() => {
    const now = performance.timeOrigin * 1000 + performance.now() * 1000;
    for (const [k, tat] of this.#tats) if (tat < now) this.#tats.delete(k);
  }, 60_000).unref();

  async take(key: string, rate: number, burst: number, cost = 1): Promise<RateDecision> {
    const now = Math.round((performance.timeOrigin + performance.now()) * 1000);
    const { tat, decision } = gcra(this.#tats.get(key) ?? 0, now, rate, burst, cost);
    this.#tats.set(key, tat);
    return decision;
  }

  async close(): Promise<void> {
    clearInterval(this.#sweep);
  }
}

/** The same algorithm in one Lua call against Redis's clock: the limit holds across gateway processes. */
const GCRA_LUA = `
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(tat, now)
local nxt = start + interval * cost
local allowAt = start + interval - tolerance
if now < allowAt then
  return {0, 0, math.ceil((start - now) / 1000), math.ceil((allowAt - now) / 1000)}
end
redis.call('SET', KEYS[1], string.format('%.0f', nxt), 'PX', math.ceil((nxt - now) / 1000) + 1000)
return {1, math.max(0, math.floor((tolerance - (nxt - now)) / interval)), math.ceil((nxt - now) / 1000), 0}
`;

export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 's3gate:rate:',
  ) {
    redis.defineCommand('s3gateGcra', { numberOfKeys: 1, lua: GCRA_LUA });
  }

  async take(key: string, rate: number, burst: number, cost = 1): Promise<RateDecision> {
    const interval = 1e6 / rate;
    const [allowed, remaining, resetMs, retryAfterMs] = (await (this.redis as unknown as { s3gateGcra(k: string, i: string, t: string, c: string): Promise<number[]> }).s3gateGcra(
      this.prefix + key,
      String(interval),
      String(interval * burst),
      String(cost),
    )) as number[];
    return { allowed: allowed === 1, remaining, resetMs, retryAfterMs };
  }

  async close(): Promise<void> {}
}
