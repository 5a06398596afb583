import type { Redis } from 'ioredis';
import type { Series, SharedStats, StatsService } from './stats.js';
import { accumulate, type Frame, frameOf, type Layout, rankOf, requestCounts, sortRanks, STEP_MS, STEPS, type StatsWindow, TENANT, type TenantRank, WINDOWS } from './stats-layout.js';

/** Tenants whose windows one ranking read fetches together. */
const RANKED_AT_ONCE = 10;
/** A shared step outlives the longest window by two minutes. */
const TTL_S = 3600 + 120;

/** Adds a step's changes to its hash in one command: field, delta, field, delta… then renews its expiry. */
const ADD_STEP = `
for i = 2, #ARGV, 2 do redis.call('HINCRBYFLOAT', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1`;

type StatsRedis = Redis & { s3gateAddStep(key: string, ttl: number, ...fieldsAndDeltas: (string | number)[]): Promise<number> };

/**
 * Every process's figures in one Redis (REDIS_URL): each process sends the changes of its 10 s steps
 * (flush: every 2 s, and before a read), as increments of one hash per key and step, with the tenants'
 * requests and errors per step in sorted sets for the ranking. A read sums the steps of its window from
 * there; minute points are six steps folded. Steps expire after the hour they serve.
 */
export class StatsCluster implements SharedStats {
  readonly #redis: StatsRedis;
  readonly #stats: StatsService;
  readonly #prefix: string;
  readonly #now: () => number;
  /** What was sent of each series' current step (the only step still filling). */
  readonly #sent = new Map<Series, { start: number; values: Float64Array }>();
  /** Steps from this one on may hold changes not sent yet. */
  #from = Number.NEGATIVE_INFINITY;
  #flushing: Promise<void> | undefined;

  constructor(redis: Redis, stats: StatsService, opts: { prefix: string; now?: () => number }) {
    redis.defineCommand('s3gateAddStep', { numberOfKeys: 1, lua: ADD_STEP });
    this.#redis = redis as StatsRedis;
    this.#stats = stats;
    this.#prefix = opts.prefix;
    this.#now = opts.now ?? Date.now;
  }

  /** One send at a time; a caller arriving during one sends again after it, so its own changes are in. */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing.catch(() => {});
    this.#flushing = this.#send().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #send(): Promise<void> {
    const now = this.#now();
    const current = now - (now % STEP_MS);
    const series = new Set([...this.#stats.changed, ...this.#sent.keys()]);
    this.#stats.changed.clear();
    if (series.size === 0) return;
    const pipe = this.#redis.pipeline();
    const ranked = new Set<string>();
    for (const s of series) {
      for (const { start, values } of s.fine.read(now)) {
        if (start < this.#from || !values) continue;
        const before = this.#sent.get(s);
        const args: (string | number)[] = [];
        const delta = new Float64Array(values.length);
        for (let i = 0; i < values.length; i++) {
          delta[i] = values[i] - (before?.start === start ? before.values[i] : 0);
          if (delta[i] !== 0) args.push(i, delta[i]);
        }
        if (args.length === 0) continue;
        (pipe as unknown as StatsRedis).s3gateAddStep(this.#stepKey(s.key, start), TTL_S, ...args);
        if (!s.key.startsWith('t:')) continue;
        const { requests, errors } = requestCounts(delta);
        for (const [set, n] of [[this.#rankKey('req', start), requests] as const, [this.#rankKey('err', start), errors] as const]) {
          if (n === 0) continue;
          pipe.zincrby(set, n, s.key.slice(2));
          ranked.add(set);
        }
      }
    }
    for (const set of ranked) pipe.expire(set, TTL_S);
    const results = await pipe.exec();
    const failed = results?.find(([err]) => err)?.[0];
    if (failed) {
      for (const s of series) this.#stats.changed.add(s);
      throw failed;
    }
    // Sent: past steps are complete; of the current one, remember what went.
    this.#sent.clear();
    for (const s of series) {
      const slot = [...s.fine.read(now)].at(-1);
      if (slot?.values && slot.start === current) this.#sent.set(s, { start: current, values: Float64Array.from(slot.values) });
    }
    this.#from = current;
  }

  #stepKey(key: string, start: number): string {
    return `${this.#prefix}${key}:${start}`;
  }
  #rankKey(what: 'req' | 'err', start: number): string {
    return `${this.#prefix}rank:${what}:${start}`;
  }

  /** The 10 s steps of a window, oldest first (60 of them, or 360 for an hour). */
  #steps(window: StatsWindow): number[] {
    const now = this.#now();
    const step = WINDOWS[window];
    const first = now - (now % step) - (STEPS - 1) * step;
    const starts: number[] = [];
    for (let t = first; t < first + STEPS * step; t += STEP_MS) starts.push(t);
    return starts;
  }

  async #read(layout: { fields: number; peaks: readonly number[] }, keys: string[], window: StatsWindow): Promise<Map<string, { start: number; values: Float64Array | undefined }[]>> {
    const starts = this.#steps(window);
    const pipe = this.#redis.pipeline();
    for (const key of keys) for (const start of starts) pipe.hgetall(this.#stepKey(key, start));
    const results = (await pipe.exec()) ?? [];
    const step = WINDOWS[window];
    const out = new Map<string, { start: number; values: Float64Array | undefined }[]>();
    keys.forEach((key, k) => {
      const points: { start: number; values: Float64Array | undefined }[] = [];
      starts.forEach((start, i) => {
        const [err, hash] = results[k * starts.length + i];
        if (err) throw err;
        const pointStart = start - (start % step);
        if (points.at(-1)?.start !== pointStart) points.push({ start: pointStart, values: undefined });
        const fields = Object.entries(hash as Record<string, string>);
        if (fields.length === 0) return;
        const v = new Float64Array(layout.fields);
        for (const [field, value] of fields) v[Number(field)] = Number(value);
        const point = points[points.length - 1];
        point.values ??= new Float64Array(layout.fields);
        accumulate(point.values, v, layout.peaks);
      });
      out.set(key, points);
    });
    return out;
  }

  async frame<P extends { t: string }>(layout: Layout<P>, key: string, window: StatsWindow): Promise<Frame<P>> {
    const points = (await this.#read(layout, [key], window)).get(key)!;
    return frameOf(layout, points, window, 'cluster');
  }

  async ranking(window: StatsWindow, by: 'requests' | 'errors', limit: number): Promise<TenantRank[]> {
    const starts = this.#steps(window);
    const union = async (what: 'req' | 'err') => {
      const flat = (await this.#redis.zunion(starts.length, ...starts.map((s) => this.#rankKey(what, s)), 'WITHSCORES')) as string[];
      const scores = new Map<string, number>();
      for (let i = 0; i < flat.length; i += 2) scores.set(flat[i], Number(flat[i + 1]));
      return scores;
    };
    const requests = await union('req');
    const errors = by === 'errors' ? await union('err') : new Map<string, number>();
    const score = (id: string) => (by === 'errors' ? (errors.get(id) ?? 0) : (requests.get(id) ?? 0));
    const top = [...requests.keys()].sort((a, b) => score(b) - score(a) || (requests.get(b) ?? 0) - (requests.get(a) ?? 0) || (a < b ? -1 : 1)).slice(0, limit);
    // A tenant's window at a time (360 hashes for an hour), a few tenants at once: what a read holds stays small.
    const ranks: TenantRank[] = [];
    for (let i = 0; i < top.length; i += RANKED_AT_ONCE) {
      const ids = top.slice(i, i + RANKED_AT_ONCE);
      const read = await this.#read(
        TENANT,
        ids.map((id) => `t:${id}`),
        window,
      );
      for (const id of ids) {
        const total = new Float64Array(TENANT.fields);
        for (const { values } of read.get(`t:${id}`)!) if (values) accumulate(total, values, TENANT.peaks);
        ranks.push(rankOf(id, total));
      }
    }
    return sortRanks(ranks, by, limit);
  }
}
