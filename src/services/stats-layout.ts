import { HISTOGRAM_BUCKETS, quantile } from '../lib/series.js';

/** The faces a request arrives by. */
export const FACES = ['rest', 'graphql', 's3', 'tus'] as const;
export type Face = (typeof FACES)[number];
const CLASSES = ['2xx', '3xx', '4xx', '5xx'] as const;

/** The windows a series is read over: 60 points of 10 s, or of a minute. */
export const WINDOWS = { '10m': 10_000, '1h': 60_000 } as const;
export type StatsWindow = keyof typeof WINDOWS;
export const STEPS = 60;
/** The finest step: every figure is recorded (and shared through Redis) per 10 s. */
export const STEP_MS = WINDOWS['10m'];

// A tenant's (and the gateway's) slot: requests by face × status class, then single figures, then
// two latency histograms. Peaks (pool sockets) keep the highest sample of the slot.
const REQ = 0;
export const BYTES_IN = 16;
export const BYTES_OUT = 17;
export const EVENTS = 18;
export const DELIVERED = 19;
export const FAILED = 20;
export const RATE_LIMITED = 21;
export const POOL_IN_USE = 22;
export const POOL_QUEUED = 23;
export const LIVE_TENANTS = 24;
export const LATENCY = 25;
export const DELIVERY_LATENCY = LATENCY + HISTOGRAM_BUCKETS;
// A webhook's slot: its outcomes, the time from an event's recording to its delivery, and each attempt's time.
export const W_DELIVERED = 0;
export const W_FAILED = 1;
export const W_DELIVERY_LATENCY = 2;
export const W_ATTEMPT = W_DELIVERY_LATENCY + HISTOGRAM_BUCKETS;

/** The field of a request's face and status class. */
export const requestField = (face: Face, status: number) => REQ + FACES.indexOf(face) * 4 + Math.min(3, Math.max(0, Math.floor(status / 100) - 2));

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
/** Whose figures: this process's, or every process's sharing REDIS_URL. */
export type Scope = 'process' | 'cluster';
export interface Frame<P> {
  scope: Scope;
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

/** What a series' slots hold and how they read. */
export interface Layout<P extends { t: string }> {
  fields: number;
  /** Fields that keep the highest value (of a window's slots), not the sum. */
  peaks: readonly number[];
  values(v: ArrayLike<number>): Omit<P, 't'>;
}

export const TENANT: Layout<TenantPoint> = {
  fields: DELIVERY_LATENCY + HISTOGRAM_BUCKETS,
  peaks: [POOL_IN_USE, POOL_QUEUED, LIVE_TENANTS],
  values: (v) => ({
    requests: { rest: byClass(v, 0), graphql: byClass(v, 1), s3: byClass(v, 2), tus: byClass(v, 3) },
    bytesIn: v[BYTES_IN],
    bytesOut: v[BYTES_OUT],
    latencyMs: percentiles(v, LATENCY),
    events: v[EVENTS],
    deliveries: { succeeded: v[DELIVERED], failed: v[FAILED] },
    deliveryLatencyMs: percentiles(v, DELIVERY_LATENCY),
    pool: { inUse: v[POOL_IN_USE], queued: v[POOL_QUEUED] },
    rateLimited: v[RATE_LIMITED],
  }),
};

/** The gateway's series: a tenant's, and the tenants with a live client (a peak) per point. */
export const GATEWAY: Layout<TenantPoint & { liveTenants: number }> = {
  ...TENANT,
  values: (v) => ({ ...TENANT.values(v), liveTenants: v[LIVE_TENANTS] }),
};

export const WEBHOOK: Layout<WebhookPoint> = {
  fields: W_ATTEMPT + HISTOGRAM_BUCKETS,
  peaks: [],
  values: (v) => ({ succeeded: v[W_DELIVERED], failed: v[W_FAILED], deliveryLatencyMs: percentiles(v, W_DELIVERY_LATENCY), attemptMs: percentiles(v, W_ATTEMPT) }),
};

/** Adds a slot into a sum: peaks are the highest, every other field the sum. */
export function accumulate(into: Float64Array, v: ArrayLike<number>, peaks: readonly number[]): void {
  for (let i = 0; i < into.length; i++) into[i] = peaks.includes(i) ? Math.max(into[i], v[i]) : into[i] + v[i];
}

/** A window's points (every step, oldest first; undefined where nothing was recorded) as the API answers them. */
export function frameOf<P extends { t: string }>(layout: Layout<P>, steps: Iterable<{ start: number; values: ArrayLike<number> | undefined }>, window: StatsWindow, scope: Scope): Frame<P> {
  const empty = new Float64Array(layout.fields);
  const total = new Float64Array(layout.fields);
  const points: P[] = [];
  for (const { start, values } of steps) {
    if (values) accumulate(total, values, layout.peaks);
    points.push({ t: new Date(start).toISOString(), ...layout.values(values ?? empty) } as P);
  }
  return { scope, window, stepSeconds: WINDOWS[window] / 1000, points, totals: layout.values(total) };
}

/** Requests, 4xx and 5xx of a tenant slot (or sum). */
export function requestCounts(v: ArrayLike<number>): { requests: number; errors: number; serverErrors: number } {
  let requests = 0;
  let errors = 0;
  let serverErrors = 0;
  for (let face = 0; face < FACES.length; face++) {
    const o = REQ + face * 4;
    requests += v[o] + v[o + 1] + v[o + 2] + v[o + 3];
    errors += v[o + 2] + v[o + 3];
    serverErrors += v[o + 3];
  }
  return { requests, errors, serverErrors };
}

/** A tenant's row of the ranking, from the sum of its window. */
export function rankOf(tenant: string, total: ArrayLike<number>): TenantRank {
  return { tenant, ...requestCounts(total), bytesIn: total[BYTES_IN], bytesOut: total[BYTES_OUT], latencyMs: percentiles(total, LATENCY), rateLimited: total[RATE_LIMITED] };
}

export function sortRanks(ranks: TenantRank[], by: 'requests' | 'errors', limit: number): TenantRank[] {
  return ranks.sort((a, b) => b[by] - a[by] || b.requests - a.requests || (a.tenant < b.tenant ? -1 : 1)).slice(0, limit);
}
