import { type TProperties, Type } from '@sinclair/typebox';

export const StatsQuery = Type.Object(
  {
    window: Type.Optional(Type.Union([Type.Literal('10m'), Type.Literal('1h')], { default: '1h', description: '10m: 60 points of 10 seconds; 1h: 60 points of a minute' })),
  },
  { additionalProperties: false },
);

/** Registered once (app.ts) and referenced: each series names them many times. */
export const StatsPercentiles = Type.Object(
  { p50: Type.Number(), p90: Type.Number(), p99: Type.Number() },
  { $id: 'StatsPercentiles', additionalProperties: false, description: 'Milliseconds, estimated from a histogram of buckets doubling from 0.5 ms: within a factor of 2, interpolated inside it' },
);
export const StatsByClass = Type.Object(
  { '2xx': Type.Integer(), '3xx': Type.Integer(), '4xx': Type.Integer(), '5xx': Type.Integer() },
  { $id: 'StatsByClass', additionalProperties: false, description: 'Answers by status class' },
);
const Percentiles = Type.Union([Type.Ref(StatsPercentiles), Type.Null()], { description: 'Null when nothing was measured' });
const ByClass = Type.Ref(StatsByClass);
const TenantValues = {
  requests: Type.Object(
    { rest: ByClass, graphql: ByClass, s3: ByClass, tus: ByClass },
    { additionalProperties: false, description: 'Answered requests by face (REST, GraphQL, the S3 door, tus) and status class' },
  ),
  bytesIn: Type.Number({ description: 'Bytes received on the connection, headers included' }),
  bytesOut: Type.Number({ description: 'Bytes sent, headers included' }),
  latencyMs: { ...Percentiles, description: 'Time from the request to the end of the answer (milliseconds)' },
  events: Type.Integer({ description: 'Events recorded' }),
  deliveries: Type.Object(
    { succeeded: Type.Integer(), failed: Type.Integer({ description: 'Attempts that failed (each retry counts)' }) },
    { additionalProperties: false, description: 'Delivery attempts that ended' },
  ),
  deliveryLatencyMs: { ...Percentiles, description: "From an event's recording to its successful delivery (milliseconds; retries included)" },
  pool: Type.Object(
    { inUse: Type.Integer(), queued: Type.Integer() },
    { additionalProperties: false, description: 'The peak of the S3 sockets in use and of the requests waiting for one (sampled every 2 s; the local-disk driver has none)' },
  ),
  rateLimited: Type.Integer({ description: 'Requests refused with 429 by the rate limit' }),
};
const WebhookValues = {
  succeeded: Type.Integer(),
  failed: Type.Integer({ description: 'Attempts that failed (each retry counts)' }),
  deliveryLatencyMs: { ...Percentiles, description: "From an event's recording to its successful delivery (milliseconds; retries included)" },
  attemptMs: { ...Percentiles, description: "Each attempt's time until the endpoint answered (milliseconds)" },
};

function frame(values: TProperties, description: string, extra: TProperties = {}) {
  return Type.Object(
    {
      scope: Type.Union([Type.Literal('process'), Type.Literal('cluster')], {
        description:
          "Whose figures these are: `cluster`, every gateway process sharing REDIS_URL (each sends its figures every 2 s, and before answering this); `process`, the answering process's alone (no REDIS_URL, or Redis did not answer)",
      }),
      window: Type.Union([Type.Literal('10m'), Type.Literal('1h')]),
      stepSeconds: Type.Integer({ description: 'Each point covers this many seconds from its t' }),
      points: Type.Array(Type.Object({ t: Type.String({ format: 'date-time' }), ...values }, { additionalProperties: false }), {
        description: 'Oldest first, one per step, the last one still filling; a step with nothing recorded has zeros',
      }),
      totals: Type.Object(values, { additionalProperties: false, description: 'The whole window: sums, pool peaks, percentiles of every request' }),
      ...extra,
    },
    { additionalProperties: false, description },
  );
}

export const TenantStats = frame(TenantValues, "The tenant's recent figures", {
  pendingDeliveries: Type.Integer({ description: 'Deliveries waiting for their first attempt or a retry now, in every process (counted up to 100,000)' }),
});
export const WebhookStats = frame(WebhookValues, "A subscription's recent deliveries", {
  pendingDeliveries: Type.Integer({ description: 'Its deliveries waiting for their first attempt or a retry now (counted up to 100,000)' }),
});

export const AdminStatsQuery = Type.Object(
  {
    window: StatsQuery.properties.window,
    sort: Type.Optional(Type.Union([Type.Literal('requests'), Type.Literal('errors')], { default: 'requests', description: 'How tenants are ranked' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 20, description: 'Tenants ranked at most' })),
  },
  { additionalProperties: false },
);

export const AdminStats = frame(TenantValues, 'Every request the gateway answered (tenants, refused keys, health checks, the console), its tenants ranked, its pools', {
  liveTenants: Type.Array(Type.Integer(), { description: 'Per point, the peak of tenants with a live S3 client or disk store' }),
  tenants: Type.Array(
    Type.Object(
      {
        tenant: Type.String(),
        requests: Type.Integer(),
        errors: Type.Integer({ description: '4xx and 5xx answers' }),
        serverErrors: Type.Integer({ description: '5xx answers' }),
        bytesIn: Type.Number(),
        bytesOut: Type.Number(),
        latencyMs: Percentiles,
        rateLimited: Type.Integer(),
      },
      { additionalProperties: false },
    ),
    { description: 'Tenants with requests in the window, busiest first (sort)' },
  ),
  tracked: Type.Object(
    {
      tenants: Type.Integer(),
      webhooks: Type.Integer(),
      limit: Type.Integer({ description: 'S3GATE_STATS_MAX_SERIES: tenants (and, apart, webhooks) kept at most' }),
      evicted: Type.Integer({ description: 'Series forgotten to keep the bound (the least recently active first)' }),
    },
    { additionalProperties: false, description: 'The bound on the memory these figures take' },
  ),
});
