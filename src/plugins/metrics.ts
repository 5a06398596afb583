import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PoolEntryStats } from '../s3/client-pool.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

export interface Metrics {
  registry: Registry;
  /** One S3 request of a tenant: counted per tenant, its time in the tenant's sum and in the shared histogram. */
  s3Request(tenant: string, operation: string, status: string, seconds: number): void;
  poolRejected: Counter<'tenant'>;
  s3Errors: Counter<'tenant' | 'operation' | 'code'>;
  circuitState: Gauge<'tenant'>;
  credentialRefreshes: Counter<'tenant' | 'outcome'>;
  rateLimited: Counter<'tenant'>;
  multipartAborts: Counter<'tenant' | 'outcome'>;
  /** Requests of the S3 protocol door by operation and status. */
  doorRequests: Histogram<'operation' | 'status_code'>;
  /** Connections a listener closed at once because it had S3GATE_MAX_CONNECTIONS open. */
  connectionsDropped: Counter<'listener'>;
  /** Where the pool gauges read their figures at scrape time (set by the storage plugin). */
  poolSource: () => Iterable<PoolEntryStats>;
}

/** Seconds: the buckets of every latency histogram. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** One registry per app (tests build many apps): HTTP, S3 and per-tenant pool figures. */
export const metricsPlugin = fp(
  async (app) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const http = new Histogram({
      name: 's3gate_http_request_duration_seconds',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
    const doorRequests = new Histogram({
      name: 's3gate_s3_door_request_duration_seconds',
      help: 'S3 protocol door requests by S3 operation and status',
      labelNames: ['operation', 'status_code'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
    // Latency buckets by operation and status; per tenant a count and a sum (its mean latency). Buckets per
    // tenant were 15 lines each: /metrics of 10,000 tenants was 16 MB, and one scrape added 110 MB of RSS.
    const s3Duration = new Histogram({
      name: 's3gate_s3_request_duration_seconds',
      help: 'S3 requests by operation and HTTP status (time to response headers, retries included)',
      labelNames: ['operation', 'status'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
    const s3Count = new Counter({
      name: 's3gate_s3_requests_total',
      help: 'S3 requests by tenant, operation and HTTP status (retries included in one request)',
      labelNames: ['tenant', 'operation', 'status'] as const,
      registers: [registry],
    });
    const s3Seconds = new Counter({
      name: 's3gate_s3_request_seconds_total',
      help: "Time of a tenant's S3 requests to response headers, in seconds: divided by s3gate_s3_requests_total, its mean latency",
      labelNames: ['tenant'] as const,
      registers: [registry],
    });
    const metrics: Metrics = {
      doorRequests,
      s3Request: (tenant, operation, status, seconds) => {
        s3Duration.observe({ operation, status }, seconds);
        s3Count.inc({ tenant, operation, status });
        s3Seconds.inc({ tenant }, seconds);
      },
      registry,
      poolSource: () => [],
      connectionsDropped: new Counter({
        name: 's3gate_connections_dropped_total',
        help: 'Connections closed on arrival because the listener (api, s3) had S3GATE_MAX_CONNECTIONS open',
        labelNames: ['listener'] as const,
        registers: [registry],
      }),
      s3Errors: new Counter({
        name: 's3gate_s3_errors_total',
        help: 'Failed S3 requests by tenant, operation and S3 error code (NoSuchKey, SlowDown) or network error (ECONNREFUSED)',
        labelNames: ['tenant', 'operation', 'code'] as const,
        registers: [registry],
      }),
      circuitState: new Gauge({
        name: 's3gate_circuit_open',
        help: "1 while a tenant's circuit is open or half-open (its requests fail fast)",
        labelNames: ['tenant'] as const,
        registers: [registry],
      }),
      credentialRefreshes: new Counter({
        name: 's3gate_credential_refreshes_total',
        help: 'STS AssumeRole calls for temporary credentials, by tenant and outcome',
        labelNames: ['tenant', 'outcome'] as const,
        registers: [registry],
      }),
      rateLimited: new Counter({ name: 's3gate_rate_limited_total', help: 'Requests refused with 429 by the tenant rate limit', labelNames: ['tenant'] as const, registers: [registry] }),
      multipartAborts: new Counter({
        name: 's3gate_multipart_janitor_total',
        help: "The janitor's aborts of unfinished multipart uploads (failed aborts, or past S3GATE_MULTIPART_MAX_AGE_HOURS), by outcome",
        labelNames: ['tenant', 'outcome'] as const,
        registers: [registry],
      }),
      poolRejected: new Counter({
        name: 's3gate_pool_rejected_total',
        help: 'Requests refused with 503 because the tenant was at its limit or its circuit was open',
        labelNames: ['tenant'] as const,
        registers: [registry],
      }),
    };
    new Gauge({
      name: 's3gate_pool_in_flight',
      help: 'Admitted requests per tenant (holding or waiting for an S3 socket)',
      labelNames: ['tenant'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const e of metrics.poolSource()) this.set({ tenant: e.tenantId }, e.inFlight);
      },
    });
    new Gauge({
      name: 's3gate_pool_live_tenants',
      help: 'Tenants with a live S3 client (at most S3GATE_POOL_MAX_TENANTS; idle ones are closed)',
      registers: [registry],
      collect() {
        let n = 0;
        for (const _ of metrics.poolSource()) n++;
        this.set(n);
      },
    });
    new Gauge({
      name: 's3gate_pool_sockets',
      help: "Sockets of each tenant's agent by state (in_use, free, queued)",
      labelNames: ['tenant', 'state'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const e of metrics.poolSource()) {
          this.set({ tenant: e.tenantId, state: 'in_use' }, e.sockets.inUse);
          this.set({ tenant: e.tenantId, state: 'free' }, e.sockets.free);
          this.set({ tenant: e.tenantId, state: 'queued' }, e.sockets.queued);
        }
      },
    });
    app.decorate('metrics', metrics);
    app.addHook('onResponse', async (request, reply) => {
      http.observe({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    });
  },
  { name: 's3gate-metrics' },
);
