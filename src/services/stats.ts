import { BoundedMap, bucketOf, HISTOGRAM_BUCKETS, quantile, SlotRing } from '../lib/series.js';
import type { PoolEntryStats } from '../s3/client-pool.js';

/** The faces a request arrives by. */
export const FACES = ['rest', 'graphql', 's3', 'tus'] as const;
export type Face = (typeof FACES)[number];
const CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const;

/** The windows a series is read over: 60 steps of 10 s, or of a minute. */
export const WINDOWS = { '10m': 10_000, '1h': 60_000 } as const;
export type StatsWindow = keyof typeof WINDOWS;
const STEPS = 60;

// A tenant's (and the gateway's) slot: requests by face × status class, then single figures, then
// two latency histograms. Peaks (pool sockets) keep the highest sample of the slot.
const REQ = 0;
const BYTES_IN = 16;
const BYTES_OUT = 17;
const EVENTS = 18;
const DELIVERED = 19;
const FAILED = 20;
const RATE_LIMITED = 21;
const POOL_IN_USE = 22;
const POOL_QUEUED = 23;
const LIVE_TENANTS = 24;
const LATENCY = 25;
const DELIVERY_LATENCY = LATENCY + HISTOGRAM_BUCKETS;
const TENANT_FIELDS = DELIVERY_LATENCY + HISTOGRAM_BUCKETS;
// A webhook's slot: its outcomes, the time from an event's recording to its delivery, and each attempt's time.
const W_DELIVERED = 0;
const W_FAILED = 1;
const W_DELIVERY_LATENCY = 2;
const W_ATTEMPT = W_DELIVERY_LATENCY + HISTOGRAM_BUCKETS;
const WEBHOOK_FIELDS = W_ATTEMPT + HISTOGRAM_BUCKETS;

/** Both windows of one key. */
class Series {
  readonly fine: SlotRing;
  readonly coarse: SlotRing;
  constructor(fields: number) {
    this.fine = new SlotRing(WINDOWS['10m'], STEPS, fields);
    this.coarse = new SlotRing(WINDOWS['1h'], STEPS, fields);
  }
  add(now: number, field: number, value: number): void {
    this.fine.slot(now)[field] += value;
    this.coarse.slot(now)[field] += value;
  }
  peak(now: number, field: number, value: number): void {
    const f = this.fine.slot(now);
    const c = this.coarse.slot(now);
    if (value > f[field]) f[field] = value;
    if (value > c[field]) c[field] = value;
  }
  ring(window: StatsWindow): SlotRing {
    return window === '10m' ? this.fine : this.coarse;
  }
}

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
}
type ByClass = Record<(typeof CLASSES)[number], number>;

export interface TenantPoint {
  t: string;
  requests: Record<Face, ByClass>;
  bytesIn: number;
  bytesOut: number;
  latencyMs: Percentiles | null;
  events: number;
  deliveries: { succeeded: number; failed: number };
  deliveryLatencyMs: Percentiles | null;
  pool: { inUse: number; queued: number };
  rateLimited: number;
}
export interface WebhookPoint {
  t: string;
  succeeded: number;
  failed: number;
  deliveryLatencyMs: Percentiles | null;
  attemptMs: Percentiles | null;
}
export interface Frame<P> {
  scope: 'process';
  window: StatsWindow;
  stepSeconds: number;
  points: P[];
  totals: Omit<P, 't'>;
}
export interface TenantRank {
  tenant: string;
  requests: number;
  errors: number;
  serverErrors: number;
  bytesIn: number;
  bytesOut: number;
  latencyMs: Percentiles | null;
  rateLimited: number;
}

const round = (n: number) => Math.round(n * 1000) / 1000;
function percentiles(v: ArrayLike<number>, offset: number): Percentiles | null {
  const p50 = quantile(v, offset, 0.5);
  return p50 === null ? null : { p50: round(p50), p90: round(quantile(v, offset, 0.9)!), p99: round(quantile(v, offset, 0.99)!) };
}
function byClass(v: ArrayLike<number>, face: number): ByClass {
  const o = REQ + face * 4;
  return { '2xx': v[o], '3xx': v[o + 1], '4xx': v[o + 2], '5xx': v[o + 3] };
}
function tenantValues(v: ArrayLike<number>): Omit<TenantPoint, 't'> {
  return {
    requests: { rest: byClass(v, 0), graphql: byClass(v, 1), s3: byClass(v, 2), tus: byClass(v, 3) },
    bytesIn: v[BYTES_IN],
    bytesOut: v[BYTES_OUT],
    latencyMs: percentiles(v, LATENCY),
    events: v[EVENTS],
    deliveries: { succeeded: v[DELIVERED], failed: v[FAILED] },
    deliveryLatencyMs: percentiles(v, DELIVERY_LATENCY),
    pool: { inUse: v[POOL_IN_USE], queued: v[POOL_QUEUED] },
    rateLimited: v[RATE_LIMITED],
  };
}
function webhookValues(v: ArrayLike<number>): Omit<WebhookPoint, 't'> {
  return { succeeded: v[W_DELIVERED], failed: v[W_FAILED], deliveryLatencyMs: percentiles(v, W_DELIVERY_LATENCY), attemptMs: percentiles(v, W_ATTEMPT) };
}
/** Peaks are the highest of the window, every other field the sum. */
function accumulate(into: Float64Array, v: Float64Array, peaks: readonly number[]): void {
  for (let i = 0; i < v.length; i++) into[i] = peaks.includes(i) ? Math.max(into[i], v[i]) : into[i] + v[i];
}
const TENANT_PEAKS = [POOL_IN_USE, POOL_QUEUED, LIVE_TENANTS];
function count(s: Series, now: number, req: number, latency: number, bytesIn: number, bytesOut: number): void {
  for (const slot of [s.fine.slot(now), s.coarse.slot(now)]) {
    slot[req]++;
    slot[latency]++;
    slot[BYTES_IN] += bytesIn;
    slot[BYTES_OUT] += bytesOut;
  }
}

export interface StatsOptions {
  /** Tenants (and, apart, webhooks) with a series at most; past it the least recently active one is forgotten. */
  maxSeries: number;
  now?: () => number;
}

/**
 * Recent figures of each tenant, each webhook and the whole gateway, kept in this process's memory
 * (issue 34): per 10 s over the last 10 minutes and per minute over the last hour. Bounded: at most
 * `maxSeries` tenants and as many webhooks, each holding only the slots something was recorded in.
 */
export class StatsService {
  readonly #tenants: BoundedMap<Series>;
  readonly #webhooks: BoundedMap<Series>;
  readonly #gateway = new Series(TENANT_FIELDS);
  readonly #now: () => number;

  constructor(opts: StatsOptions) {
    this.#tenants = new BoundedMap(opts.maxSeries);
    this.#webhooks = new BoundedMap(opts.maxSeries);
    this.#now = opts.now ?? Date.now;
  }

  #tenant(id: string): Series {
    return this.#tenants.touch(id, () => new Series(TENANT_FIELDS));
  }

  /** One answered request; `tenant` undefined when none was identified (refused keys, health checks, the console's files). */
  request(tenant: string | undefined, face: Face, status: number, ms: number, bytesIn: number, bytesOut: number): void {
    const now = this.#now();
    const req = REQ + FACES.indexOf(face) * 4 + Math.min(3, Math.max(0, Math.floor(status / 100) - 2));
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

  /** An attempt's outcome; `sinceRecordedMs` is the time from the event's recording to now. */
  delivery(tenant: string, webhook: string, ok: boolean, attemptMs: number, sinceRecordedMs: number): void {
    const now = this.#now();
    for (const s of [this.#gateway, this.#tenant(tenant)]) {
      s.add(now, ok ? DELIVERED : FAILED, 1);
      if (ok) s.add(now, DELIVERY_LATENCY + bucketOf(sinceRecordedMs), 1);
    }
    const w = this.#webhooks.touch(webhook, () => new Series(WEBHOOK_FIELDS));
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

  #frame<P extends { t: string }>(series: Series | undefined, window: StatsWindow, fields: number, values: (v: Float64Array) => Omit<P, 't'>, peaks: readonly number[]): Frame<P> {
    const empty = new Float64Array(fields);
    const total = new Float64Array(fields);
    const points: P[] = [];
    const ring = series?.ring(window) ?? new SlotRing(WINDOWS[window], STEPS, fields);
    for (const { start, values: v } of ring.read(this.#now())) {
      if (v) accumulate(total, v, peaks);
      points.push({ t: new Date(start).toISOString(), ...values(v ?? empty) } as P);
    }
    return { scope: 'process', window, stepSeconds: WINDOWS[window] / 1000, points, totals: values(total) };
  }

  tenant(id: string, window: StatsWindow): Frame<TenantPoint> {
    return this.#frame(this.#tenants.get(id), window, TENANT_FIELDS, tenantValues, TENANT_PEAKS);
  }

  webhook(id: string, window: StatsWindow): Frame<WebhookPoint> {
    return this.#frame(this.#webhooks.get(id), window, WEBHOOK_FIELDS, webhookValues, []);
  }

  gateway(window: StatsWindow): Frame<TenantPoint> & { liveTenants: number[] } {
    const frame = this.#frame(this.#gateway, window, TENANT_FIELDS, tenantValues, TENANT_PEAKS);
    const live = [...this.#gateway.ring(window).read(this.#now())].map(({ values }) => values?.[LIVE_TENANTS] ?? 0);
    return { ...frame, liveTenants: live };
  }

  /** Tenants active in the window, busiest first (by requests, or by errors), at most `limit`. */
  ranking(window: StatsWindow, by: 'requests' | 'errors', limit: number): TenantRank[] {
    const now = this.#now();
    const ranks: TenantRank[] = [];
    const total = new Float64Array(TENANT_FIELDS);
    for (const [tenant, series] of this.#tenants.entries()) {
      const ring = series.ring(window);
      if (!ring.live(now)) continue;
      total.fill(0);
      for (const { values } of ring.read(now)) if (values) accumulate(total, values, TENANT_PEAKS);
      let requests = 0;
      let errors = 0;
      let serverErrors = 0;
      for (let face = 0; face < FACES.length; face++) {
        const o = REQ + face * 4;
        requests += total[o] + total[o + 1] + total[o + 2] + total[o + 3];
        errors += total[o + 2] + total[o + 3];
        serverErrors += total[o + 3];
      }
      ranks.push({ tenant, requests, errors, serverErrors, bytesIn: total[BYTES_IN], bytesOut: total[BYTES_OUT], latencyMs: percentiles(total, LATENCY), rateLimited: total[RATE_LIMITED] });
    }
    ranks.sort((a, b) => b[by] - a[by] || b.requests - a.requests || (a.tenant < b.tenant ? -1 : 1));
    return ranks.slice(0, limit);
  }

  /** How many series are kept, their bound, and how many were forgotten to keep it. */
  tracked(): { tenants: number; webhooks: number; limit: number; evicted: number } {
    return { tenants: this.#tenants.size, webhooks: this.#webhooks.size, limit: this.#tenants.max, evicted: this.#tenants.evicted + this.#webhooks.evicted };
  }

  /** A deleted tenant's or webhook's figures go with it. */
  forgetTenant(id: string): void {
    this.#tenants.delete(id);
  }
  forgetWebhook(id: string): void {
    this.#webhooks.delete(id);
  }
}
