import { errors, withHeaders } from '../errors.js';
import type { RateLimiter } from '../lib/rate-limiter.js';
import type { ResolvedTenant } from '../model/tenant.js';

export interface Admission {
  /** The RateLimit-* headers every answer of a rate-limited tenant carries. */
  headers: Record<string, string>;
}

/**
 * Per-tenant request rate (a token bucket: `requestsPerSecond` sustained, `burst` at once) and the
 * per-process cap on concurrent uploads. When the rate store fails (Redis down) requests are let
 * through: the limit protects the backends, it must not take the gateway down with it.
 */
export class LimitService {
  readonly #uploads = new Map<string, number>();
  #lastStoreError = 0;

  constructor(
    private readonly limiter: RateLimiter,
    private readonly opts: { onRefused?: (tenantId: string) => void; onStoreError?: (err: unknown) => void },
  ) {}

  /**
   * Takes `cost` requests (default 1: one API request; an ingested notification costs one per record)
   * from the tenant's rate. Throws RateLimited (429, Retry-After, RateLimit-*) when it is over it.
   */
  async admit(tenant: ResolvedTenant, cost = 1): Promise<Admission> {
    const { requestsPerSecond: rate, burst } = tenant.limits;
    if (!(rate > 0) || cost <= 0) return { headers: {} };
    let decision: Awaited<ReturnType<RateLimiter['take']>>;
    try {
      decision = await this.limiter.take(tenant.id, rate, burst, cost);
    } catch (err) {
      if (Date.now() - this.#lastStoreError > 10_000) {
        this.#lastStoreError = Date.now();
        this.opts.onStoreError?.(err);
      }
      return { headers: {} };
    }
    const window = Math.max(1, Math.round(burst / rate));
    const headers = {
      'ratelimit-limit': String(burst),
      'ratelimit-remaining': String(decision.remaining),
      'ratelimit-reset': String(Math.max(0, Math.ceil(decision.resetMs / 1000))),
      'ratelimit-policy': `${burst};w=${window}`,
    };
    if (decision.allowed) return { headers };
    this.opts.onRefused?.(tenant.id);
    const retryAfter = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
    throw withHeaders(new errors.RateLimited(tenant.id, String(rate), burst), { ...headers, 'retry-after': retryAfter });
  }

  /** Holds one of the tenant's upload slots until release(); throws TooManyUploads (429) when none is free. */
  upload(tenant: ResolvedTenant): () => void {
    const cap = tenant.limits.maxConcurrentUploads;
    const n = this.#uploads.get(tenant.id) ?? 0;
    if (cap > 0 && n >= cap) throw withHeaders(new errors.TooManyUploads(tenant.id, cap), { 'retry-after': '1' });
    this.#uploads.set(tenant.id, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#uploads.get(tenant.id) ?? 1) - 1;
      if (left <= 0) this.#uploads.delete(tenant.id);
      else this.#uploads.set(tenant.id, left);
    };
  }

  uploadsInProgress(tenantId: string): number {
    return this.#uploads.get(tenantId) ?? 0;
  }

  close(): Promise<void> {
    return this.limiter.close();
  }
}
