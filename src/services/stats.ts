import { BoundedMap, bucketOf, SlotRing } from '../lib/series.js';
import type { PoolEntryStats } from '../s3/client-pool.js';
import {
  BYTES_IN,
  BYTES_OUT,
  DELIVERED,
  DELIVERY_LATENCY,
  EVENTS,
  type Face,
  FAILED,
  GATEWAY,
  type Frame,
  frameOf,
  LATENCY,
  type Layout,
  LIVE_TENANTS,
  POOL_IN_USE,
  POOL_QUEUED,
  RATE_LIMITED,
  rankOf,
  requestField,
  sortRanks,
  STEPS,
  type StatsWindow,
  TENANT,
  type TenantPoint,
  type TenantRank,
  W_ATTEMPT,
  W_DELIVERED,
  W_DELIVERY_LATENCY,
  W_FAILED,
  WEBHOOK,
  type WebhookPoint,
  WINDOWS,
  accumulate,
} from './stats-layout.js';

export type { Face, StatsWindow } from './stats-layout.js';

/** One key's figures (a tenant, a webhook, the gateway) in both windows. */
export class Series {
  readonly fine: SlotRing;
  readonly coarse: SlotRing;
  constructor(
    /** Its name where the figures are shared: t:<tenant>, w:<webhook>, g. */
    readonly key: string,
    readonly layout: { fields: number },
    readonly onChange: (s: Series) => void,
    /** A webhook's tenant. */
    readonly owner?: string,
  ) {
    this.fine = new SlotRing(WINDOWS['10m'], STEPS, layout.fields);
    this.coarse = new SlotRing(WINDOWS['1h'], STEPS, layout.fields);
  }
  add(now: number, field: number, value: number): void {
    this.fine.slot(now)[field] += value;
    this.coarse.slot(now)[field] += value;
    this.onChange(this);
  }
  peak(now: number, field: number, value: number): void {
    const f = this.fine.slot(now);
    const c = this.coarse.slot(now);
    if (value > f[field]) f[field] = value;
    if (value > c[field]) c[field] = value;
    this.onChange(this);
  }
  ring(window: StatsWindow): SlotRing {
    return window === '10m' ? this.fine : this.coarse;
  }
}

/** Where the figures of every process meet (stats-cluster.ts), when REDIS_URL is set. */
export interface SharedStats {
  /** Sends what changed here since the last call; resolves once it is stored. */
  flush(): Promise<void>;
  frame<P extends { t: string }>(layout: Layout<P>, key: string, window: StatsWindow): Promise<Frame<P>>;
  ranking(window: StatsWindow, by: 'requests' | 'errors', limit: number): Promise<TenantRank[]>;
}

/** Webhook series one tenant may hold at most (of S3GATE_STATS_MAX_SERIES for all). */
export const WEBHOOKS_PER_TENANT = 32;

export interface StatsOptions {
  /** Tenants (and, apart, webhooks) with a series at most; past it the least recently active one is forgotten. */
  maxSeries: number;
  now?: () => number;
}

/**
 * Recent figures of each tenant, each webhook and the whole gateway (issue 34): per 10 s over the last
 * 10 minutes and per minute over the last hour, in this process's memory, bounded: at most `maxSeries`
 * tenants and as many webhooks, each holding only the slots something was recorded in. With `share`
 * (Redis), reads answer every process's figures, and this process's changes are sent every few seconds.
 */
export class StatsService {
  readonly #tenants: BoundedMap<Series>;
  readonly #webhooks: BoundedMap<Series>;
  readonly #gateway: Series;
  /** Each tenant's webhooks with a series, oldest first. */
  readonly #webhooksOf = new Map<string, Set<string>>();
  readonly #now: () => number;
  /** Series changed since the shared store was last sent to (only kept when there is one). */
  readonly changed = new Set<Series>();
  #shared: SharedStats | undefined;
  #onChange: (s: Series) => void = () => {};
  #onShareError: (err: unknown) => void = () => {};

  constructor(opts: StatsOptions) {
    this.#tenants = new BoundedMap(opts.maxSeries);
    this.#webhooks = new BoundedMap<Series>(opts.maxSeries, (id, s) => {
      const mine = this.#webhooksOf.get(s.owner!);
      mine?.delete(id);
      if (mine?.size === 0) this.#webhooksOf.delete(s.owner!);
    });
    this.#now = opts.now ?? Date.now;
    this.#gateway = new Series('g', TENANT, (s) => this.#onChange(s));
  }

  /**
   * From now on, reads answer the shared figures, and changes are tracked for it. A read the shared
   * store fails answers this process's figures (scope: process) and reports the error.
   */
  share(shared: SharedStats, onError: (err: unknown) => void): void {
    this.#shared = shared;
    this.#onShareError = onError;
    this.#onChange = (s) => this.changed.add(s);
  }

  #tenant(id: string): Series {
    return this.#tenants.touch(id, () => new Series(`t:${id}`, TENANT, (s) => this.#onChange(s)));
  }

  /** One answered request; `tenant` undefined when none was identified (refused keys, health checks, the console's files). */
  request(tenant: string | undefined, face: Face, status: number, ms: number, bytesIn: number, bytesOut: number): void {
    const now = this.#now();
    const req = requestField(face, status);
    const latency = LATENCY + bucketOf(ms);
    count(this.#gateway, now, req, latency, bytesIn, bytesOut);
    if (tenant !== undefined) count(this.#tenant(tenant), now, req, latency, bytesIn, bytesOut);
  }

  rateLimited(tenant: string): void {
    const now = this.#now();
    this.#tenant(tenant).add(now, RATE_LIMITED, 1);
    this.#gateway.add(now, RATE_LIMITED, 1);
  }

  events(tenant: string, n: number): void {
    const now = this.#now();
    this.#tenant(tenant).add(now, EVENTS, n);
    this.#gateway.add(now, EVENTS, n);
  }

  /**
   * A webhook's first figures. A tenant keeps at most WEBHOOKS_PER_TENANT webhook series (past it, its
   * oldest goes): one tenant's thousand busy subscriptions cannot push every other tenant's out of the bound.
   */
  #newWebhook(tenant: string, webhook: string): Series {
    const mine = this.#webhooksOf.get(tenant) ?? new Set<string>();
    this.#webhooksOf.set(tenant, mine);
    if (mine.size >= WEBHOOKS_PER_TENANT) {
      const oldest = mine.values().next().value!;
      mine.delete(oldest);
      this.#webhooks.delete(oldest);
    }
    mine.add(webhook);
    return this.#webhooks.touch(webhook, () => new Series(`w:${webhook}`, WEBHOOK, (s) => this.#onChange(s), tenant));
  }

  /** An attempt's outcome; `sinceRecordedMs` is the time from the event's recording to now. */
  delivery(tenant: string, webhook: string, ok: boolean, attemptMs: number, sinceRecordedMs: number): void {
    const now = this.#now();
    for (const s of [this.#gateway, this.#tenant(tenant)]) {
      s.add(now, ok ? DELIVERED : FAILED, 1);
      if (ok) s.add(now, DELIVERY_LATENCY + bucketOf(sinceRecordedMs), 1);
    }
    const w = this.#webhooks.get(webhook) ?? this.#newWebhook(tenant, webhook);
    w.add(now, ok ? W_DELIVERED : W_FAILED, 1);
    w.add(now, W_ATTEMPT + bucketOf(attemptMs), 1);
    if (ok) w.add(now, W_DELIVERY_LATENCY + bucketOf(sinceRecordedMs), 1);
  }

  /** The pool's sockets now: each busy tenant's and the gateway's sums (peaks of the slot). */
  samplePool(entries: Iterable<PoolEntryStats>): void {
    const now = this.#now();
    let inUse = 0;
    let queued = 0;
    let live = 0;
    for (const e of entries) {
      live++;
      inUse += e.sockets.inUse;
      queued += e.sockets.queued;
      if (e.sockets.inUse + e.sockets.queued === 0) continue;
      const s = this.#tenants.get(e.tenantId);
      if (!s) continue;
      s.peak(now, POOL_IN_USE, e.sockets.inUse);
      s.peak(now, POOL_QUEUED, e.sockets.queued);
    }
    this.#gateway.peak(now, POOL_IN_USE, inUse);
    this.#gateway.peak(now, POOL_QUEUED, queued);
    this.#gateway.peak(now, LIVE_TENANTS, live);
  }

  #local<P extends { t: string }>(layout: Layout<P>, series: Series | undefined, window: StatsWindow): Frame<P> {
    const ring = series?.ring(window) ?? new SlotRing(WINDOWS[window], STEPS, layout.fields);
    return frameOf(layout, ring.read(this.#now()), window, 'process');
  }

  async #frame<P extends { t: string }>(layout: Layout<P>, key: string, series: Series | undefined, window: StatsWindow): Promise<Frame<P>> {
    if (!this.#shared) return this.#local(layout, series, window);
    try {
      await this.#shared.flush();
      return await this.#shared.frame(layout, key, window);
    } catch (err) {
      this.#onShareError(err);
      return this.#local(layout, series, window);
    }
  }

  tenant(id: string, window: StatsWindow): Promise<Frame<TenantPoint>> {
    return this.#frame(TENANT, `t:${id}`, this.#tenants.get(id), window);
  }

  webhook(id: string, window: StatsWindow): Promise<Frame<WebhookPoint>> {
    return this.#frame(WEBHOOK, `w:${id}`, this.#webhooks.get(id), window);
  }

  async gateway(window: StatsWindow): Promise<Frame<TenantPoint> & { liveTenants: number[] }> {
    const { totals, points, ...frame } = await this.#frame(GATEWAY, 'g', this.#gateway, window);
    const { liveTenants: _, ...sums } = totals;
    return { ...frame, totals: sums, points: points.map(({ liveTenants: _, ...p }) => p), liveTenants: points.map((p) => p.liveTenants) };
  }

  /** Tenants active in the window, busiest first (by requests, or by errors), at most `limit`. */
  async ranking(window: StatsWindow, by: 'requests' | 'errors', limit: number): Promise<TenantRank[]> {
    if (this.#shared) {
      try {
        await this.#shared.flush();
        return await this.#shared.ranking(window, by, limit);
      } catch (err) {
        this.#onShareError(err);
      }
    }
    const now = this.#now();
    const ranks: TenantRank[] = [];
    const total = new Float64Array(TENANT.fields);
    for (const [tenant, series] of this.#tenants.entries()) {
      const ring = series.ring(window);
      if (!ring.live(now)) continue;
      total.fill(0);
      for (const { values } of ring.read(now)) if (values) accumulate(total, values, TENANT.peaks);
      ranks.push(rankOf(tenant, total));
    }
    return sortRanks(ranks, by, limit);
  }

  /** How many series this process keeps, their bound, and how many were forgotten to keep it. */
  tracked(): { tenants: number; webhooks: number; limit: number; evicted: number } {
    return { tenants: this.#tenants.size, webhooks: this.#webhooks.size, limit: this.#tenants.max, evicted: this.#tenants.evicted + this.#webhooks.evicted };
  }

  /** A tenant created again with an id starts with no figures (in this process). */
  forgetTenant(id: string): void {
    this.#tenants.delete(id);
  }
}

function count(s: Series, now: number, req: number, latency: number, bytesIn: number, bytesOut: number): void {
  countIn(s.fine.slot(now), req, latency, bytesIn, bytesOut);
  countIn(s.coarse.slot(now), req, latency, bytesIn, bytesOut);
  s.onChange(s);
}
function countIn(slot: Float64Array, req: number, latency: number, bytesIn: number, bytesOut: number): void {
  slot[req]++;
  slot[latency]++;
  slot[BYTES_IN] += bytesIn;
  slot[BYTES_OUT] += bytesOut;
}
