import { resolve } from 'node:path';

/** Pool settings every tenant gets unless it sets its own. */
export interface PoolDefaults {
  /** @default 50 */
  maxSockets: number;
  /** Requests admitted beyond maxSockets before the tenant gets 503. @default 200 */
  maxQueue: number;
  /** @default 5000 */
  connectTimeoutMs: number;
  /** Socket inactivity timeout of one S3 request. @default 30000 */
  requestTimeoutMs: number;
}

export interface Config {
  host: string;
  port: number;
  /**
   * Base URL clients reach this gateway at (presigned URLs of the disk driver point here). When unset,
   * each presigned URL uses the origin of the request that asked for it.
   */
  publicUrl: string | undefined;
  /**
   * Host header values (host[:port], lower case) trusted to name the gateway in URLs it hands out when
   * publicUrl is unset; other requests get the address their connection reached. @default []
   */
  allowedHosts: string[];
  /**
   * Browser origins (scheme://host[:port]) allowed to call the API from their pages (CORS), or `*` for
   * any. @default [] (no cross-origin access)
   */
  corsOrigins: string[];
  /** The S3-protocol door. */
  s3Door: {
    /** Port of its listener on `host`; 0 turns it off. @default 3001 */
    port: number;
    /** Virtual-hosted addressing under this domain (`bucket.<domain>`) besides path style. @default unset */
    domain: string | undefined;
    /** The region clients sign for; another region in a signature's scope is refused as S3 does. @default us-east-1 */
    region: string;
    /** Accept Signature Version 2 (boto3's default presigned URLs in us-east-1, s3cmd --signature-v2); false refuses it with S3's InvalidRequest. @default true */
    sigV2: boolean;
  };
  dataDir: string;
  /** postgres://… to keep state in PostgreSQL; otherwise SQLite under dataDir. */
  databaseUrl: string | undefined;
  /** Bearer token /metrics requires when set; open when unset. */
  metricsToken: string | undefined;
  /** Bearer token of the admin API; generated into dataDir on first start when unset. */
  adminToken: string | undefined;
  /** 32-byte key (base64) that encrypts S3 secrets at rest; generated into dataDir when unset. */
  masterKey: string | undefined;
  /**
   * The master key before a rotation: secrets sealed with it still open until POST
   * /admin/master-key/rotate has sealed them again with masterKey. Remove it afterwards.
   */
  masterKeyPrevious: string | undefined;
  /** The admin token before a rotation, accepted beside adminToken until removed. */
  adminTokenPrevious: string | undefined;
  /** JSON or YAML file of tenants upserted at start-up. */
  tenantsFile: string | undefined;
  /** Create the `local` disk tenant when no tenant exists yet. @default true */
  bootstrapLocalTenant: boolean;
  logLevel: string;
  /** S3GATE_LOG_FORMAT: json, or pretty (a line per request, for a person). @default pretty on a terminal, else json */
  logFormat: 'json' | 'pretty' | undefined;
  pool: PoolDefaults & {
    /** Most tenants with a live client; the least recently used is closed beyond it. @default 1000 */
    maxTenants: number;
    /** A tenant client unused this long is closed. @default 60000 */
    idleMs: number;
  };
  stats: {
    /** Tenants (and, apart, webhooks) whose recent figures are kept; past it the least recently active is forgotten. @default 1000 */
    maxSeries: number;
    /** Where the figures of every process meet in Redis (REDIS_URL): keys start with it. @default 's3gate:stats:' */
    redisPrefix: string;
  };
  /** How long a tenant or API key lookup is cached in memory. @default 5000 */
  tenantCacheTtlMs: number;
  /** Every tenant's limits unless it sets its own. */
  limits: {
    /** Largest object a tenant may upload. @default 5 TiB (S3's own limit) */
    maxObjectSize: number;
    /** Sustained API requests per second of a tenant; 0: no limit. @default 0 */
    requestsPerSecond: number;
    /** Requests at once above the rate. @default twice the rate */
    burst: number;
    /** Uploads of a tenant in progress at once, per process; 0: no cap. @default 64 */
    maxConcurrentUploads: number;
    /** Unfinished resumable (tus) uploads of a tenant, in all processes; 0: no cap. @default 1000 */
    maxResumableUploads: number;
  };
  webhooks: {
    /** Deliver to loopback, private and link-local addresses (tests, on-premises receivers). @default false */
    allowPrivate: boolean;
    /** A delivery that has no 2xx answer within this fails. @default 15000 */
    timeoutMs: number;
    /** Delays (ms) before each retry; after the last one a delivery is dead. @default 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h */
    retrySchedule: number[];
    /** A subscription with no success for this long is disabled. @default 5 days */
    disableAfterMs: number;
    /** Deliveries in flight per process, and per subscription. @default 64 and 4 */
    concurrency: number;
    endpointConcurrency: number;
    /** How often due deliveries are looked for (new events wake the dispatcher at once). @default 1000 */
    pollMs: number;
    /** Events older than this are dropped from the log. @default 7 days */
    retentionMs: number;
    /** Finished deliveries and attempts older than this are dropped from the delivery log. @default the event retention */
    deliveryRetentionMs: number;
    /** How often retention runs (the first run is a minute after start). @default 1 hour */
    retentionIntervalMs: number;
  };
  s3: {
    /** Attempts of a retryable S3 request unless a tenant sets its own. @default 3 */
    maxAttempts: number;
    /** @default standard */
    retryMode: 'standard' | 'adaptive';
    /** Tenants may use the process's default AWS credential chain (S3GATE_ALLOW_DEFAULT_CREDENTIALS). @default false */
    allowDefaultCredentials: boolean;
    /** Tenants may turn TLS certificate verification off (S3GATE_ALLOW_INSECURE_TLS). @default false */
    allowInsecureTls: boolean;
    /** Temporary credentials are refreshed this long before they expire. @default 300000 */
    refreshBeforeMs: number;
  };
  circuit: {
    /** Consecutive connection failures that open a tenant's circuit. @default 5 */
    failures: number;
    /** How long an open circuit fails requests fast before one probe. @default 10000 */
    cooldownMs: number;
  };
  http: {
    /** A connection with no bytes in either direction for this long is closed. @default 60000 */
    idleTimeoutMs: number;
    /** A request's headers must all arrive within this (slowloris). @default 20000 */
    headersTimeoutMs: number;
    /** An idle keep-alive connection is closed after this. @default 5000 */
    keepAliveTimeoutMs: number;
    /**
     * Most open connections of each listener (the API, the S3 door); a connection beyond it is closed
     * at once, so no traffic, authenticated or not, can hold memory without bound. 0: no cap. @default 1024
     */
    maxConnections: number;
  };
  /** redis://… to share GraphQL subscription events (and rate-limit counters) across gateway processes. */
  redisUrl: string | undefined;
  graphql: {
    /** Largest putObject content, once decoded. @default 1 MiB */
    maxContentBytes: number;
    /** Deepest query accepted. @default 10 */
    maxDepth: number;
    /** Object detail lookups (HEAD) one request may make, and how many run at once. @default 1000 and 8 */
    maxLookups: number;
    lookupConcurrency: number;
    /**
     * Highest estimated cost of one operation (1 per value field, 10 more per backend call, 1 more per
     * KiB a text field may return, a list's children once per item); bounds both the work and the size
     * of an answer. @default 10000
     */
    maxCost: number;
    /** Most aliased fields in one operation. @default 100 */
    maxAliases: number;
    /** A subscription socket that sends no connection_init within this is closed (4408). @default 10000 */
    connectionInitWaitMs: number;
    /** Live subscriptions of one tenant in one process. @default 100 */
    maxSubscriptions: number;
    /** Live subscriptions of all tenants in one process. @default 5000 */
    maxSubscriptionsPerProcess: number;
    /**
     * A subscription socket is closed (1013: the client reconnects and resumes from GET /v1/events) when
     * the events waiting to be sent to it pass maxUnsentEvents, or the bytes its client has not taken
     * pass maxUnsentBytes: a client that does not read holds no more. @default 1000 and 1 MiB
     */
    maxUnsentEvents: number;
    maxUnsentBytes: number;
    /** Longest operation text (content goes in variables beyond it). @default 65536 */
    maxQueryBytes: number;
    /** Most tokens the parser reads in one operation. @default 10000 */
    maxTokens: number;
    /** Parsed operations kept for reuse (each with its compiled form). @default 128 */
    cacheSize: number;
  };
  upload: {
    /** A body of known length up to this goes as one streamed PutObject. @default 5 GiB (S3's PutObject maximum) */
    multipartThreshold: number;
    /** Part size of known-length multipart uploads, streamed without buffering. @default 64 MiB */
    streamPartSize: number;
    /** Part size of unknown-length (chunked) uploads, which must be buffered part by part. @default 5 MiB */
    partSize: number;
    /** Parts of a chunked upload in flight at once; its memory is about partSize × (queueSize + 1). @default 2 */
    queueSize: number;
    /** An unfinished multipart upload the gateway started is aborted by the janitor after this. @default 24 hours */
    multipartMaxAgeMs: number;
    /** How often the upload janitor runs (failed aborts, stale uploads, orphaned disk blobs, expired tus uploads). @default 15 minutes */
    janitorIntervalMs: number;
  };
  /**
   * OpenTelemetry tracing (src/telemetry.ts): on when OTEL_EXPORTER_OTLP_ENDPOINT or
   * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set, unless OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none.
   */
  tracing: {
    enabled: boolean;
    /** OTEL_SERVICE_NAME. @default s3gate */
    serviceName: string;
    /** OTEL_TRACES_SAMPLER. @default parentbased_always_on */
    sampler: (typeof SAMPLERS)[number];
    /** OTEL_TRACES_SAMPLER_ARG: the ratio of the traceidratio samplers. @default 1 */
    samplerArg: number;
  };
  /** Resumable uploads (tus at /v1/uploads); they expire after upload.multipartMaxAgeMs. */
  tus: {
    /**
     * How long an upload's writer holds it without renewing (every third of it): a writer whose
     * process died frees the upload for another after this. @default 15000
     */
    lockTtlMs: number;
  };
}

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function int(env: Env, name: string, def: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new ConfigError(`${name} must be an integer >= ${min}, got '${raw}'`);
  return n;
}

function num(env: Env, name: string, def: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new ConfigError(`${name} must be a number >= 0, got '${raw}'`);
  return n;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got '${raw}'`);
}

function oneOf<T extends string>(env: Env, name: string, values: readonly T[], def: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!(values as readonly string[]).includes(raw)) throw new ConfigError(`${name} must be one of ${values.join(', ')}, got '${raw}'`);
  return raw as T;
}

/** A comma-separated list of seconds (decimals allowed), as milliseconds. */
function seconds(env: Env, name: string, def: number[]): number[] {
  const raw = env[name];
  if (raw === undefined || raw === '') return def.map((s) => s * 1000);
  const list = raw.split(',').map((s) => Number(s.trim()));
  if (list.length === 0 || list.some((n) => !Number.isFinite(n) || n < 0)) throw new ConfigError(`${name} must be a comma-separated list of seconds, got '${raw}'`);
  return list.map((s) => Math.round(s * 1000));
}

const MiB = 1024 * 1024;

const SAMPLERS = ['parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio', 'always_on', 'always_off', 'traceidratio'] as const;

/** Reads every setting once; nothing else in the code reads process.env. */
export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const host = env.HOST || '127.0.0.1';
  const port = int(env, 'PORT', 3000);
  const partSize = int(env, 'S3GATE_PART_SIZE', 5 * MiB, 5 * MiB);
  const config: Config = {
    host,
    port,
    publicUrl: env.S3GATE_PUBLIC_URL ? env.S3GATE_PUBLIC_URL.replace(/\/+$/, '') : undefined,
    allowedHosts: (env.S3GATE_ALLOWED_HOSTS ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
    s3Door: {
      port: int(env, 'S3GATE_S3_PORT', 3001),
      domain: env.S3GATE_S3_DOMAIN ? env.S3GATE_S3_DOMAIN.toLowerCase().replace(/^\.+|\.+$/g, '') : undefined,
      region: env.S3GATE_S3_REGION || 'us-east-1',
      sigV2: bool(env, 'S3GATE_S3_SIGV2', true),
    },
    dataDir: resolve(env.S3GATE_DATA_DIR || 'data'),
    databaseUrl: env.DATABASE_URL || undefined,
    adminToken: env.S3GATE_ADMIN_TOKEN || undefined,
    metricsToken: env.S3GATE_METRICS_TOKEN || undefined,
    masterKey: env.S3GATE_MASTER_KEY || undefined,
    masterKeyPrevious: env.S3GATE_MASTER_KEY_PREVIOUS || undefined,
    adminTokenPrevious: env.S3GATE_ADMIN_TOKEN_PREVIOUS || undefined,
    tenantsFile: env.S3GATE_TENANTS_FILE || undefined,
    bootstrapLocalTenant: bool(env, 'S3GATE_BOOTSTRAP_LOCAL_TENANT', true),
    logLevel: env.LOG_LEVEL || 'info',
    logFormat: env.S3GATE_LOG_FORMAT ? oneOf(env, 'S3GATE_LOG_FORMAT', ['json', 'pretty'] as const, 'json') : undefined,
    pool: {
      maxSockets: int(env, 'S3GATE_POOL_MAX_SOCKETS', 50, 1),
      maxQueue: int(env, 'S3GATE_POOL_MAX_QUEUE', 200),
      connectTimeoutMs: int(env, 'S3GATE_POOL_CONNECT_TIMEOUT_MS', 5000, 1),
      requestTimeoutMs: int(env, 'S3GATE_POOL_REQUEST_TIMEOUT_MS', 30000, 1),
      maxTenants: int(env, 'S3GATE_POOL_MAX_TENANTS', 1000, 1),
      idleMs: int(env, 'S3GATE_POOL_IDLE_MS', 60000, 1),
    },
    stats: { maxSeries: int(env, 'S3GATE_STATS_MAX_SERIES', 1000, 1), redisPrefix: env.S3GATE_STATS_REDIS_PREFIX || 's3gate:stats:' },
    tenantCacheTtlMs: int(env, 'S3GATE_TENANT_CACHE_TTL_MS', 5000),
    limits: {
      maxObjectSize: int(env, 'S3GATE_MAX_OBJECT_SIZE', 5 * 1024 * 1024 * MiB, 0),
      requestsPerSecond: num(env, 'S3GATE_RATE_LIMIT_RPS', 0),
      burst: int(env, 'S3GATE_RATE_LIMIT_BURST', Math.max(1, Math.ceil(2 * num(env, 'S3GATE_RATE_LIMIT_RPS', 0))), 1),
      maxConcurrentUploads: int(env, 'S3GATE_MAX_CONCURRENT_UPLOADS', 64, 0),
      maxResumableUploads: int(env, 'S3GATE_MAX_RESUMABLE_UPLOADS', 1000, 0),
    },
    webhooks: {
      allowPrivate: bool(env, 'S3GATE_WEBHOOK_ALLOW_PRIVATE', false),
      timeoutMs: int(env, 'S3GATE_WEBHOOK_TIMEOUT_MS', 15000, 1),
      retrySchedule: seconds(env, 'S3GATE_WEBHOOK_RETRY_SCHEDULE', [5, 300, 1800, 7200, 18000, 36000, 36000]),
      disableAfterMs: int(env, 'S3GATE_WEBHOOK_DISABLE_AFTER_MS', 5 * 24 * 3600 * 1000, 1),
      concurrency: int(env, 'S3GATE_WEBHOOK_CONCURRENCY', 64, 1),
      endpointConcurrency: int(env, 'S3GATE_WEBHOOK_ENDPOINT_CONCURRENCY', 4, 1),
      pollMs: int(env, 'S3GATE_WEBHOOK_POLL_MS', 1000, 10),
      retentionMs: int(env, 'S3GATE_EVENT_RETENTION_DAYS', 7, 1) * 24 * 3600 * 1000,
      deliveryRetentionMs: int(env, 'S3GATE_DELIVERY_RETENTION_DAYS', int(env, 'S3GATE_EVENT_RETENTION_DAYS', 7, 1), 1) * 24 * 3600 * 1000,
      retentionIntervalMs: int(env, 'S3GATE_RETENTION_INTERVAL_MS', 3600_000, 1000),
    },
    s3: {
      maxAttempts: int(env, 'S3GATE_S3_MAX_ATTEMPTS', 3, 1),
      retryMode: oneOf(env, 'S3GATE_S3_RETRY_MODE', ['standard', 'adaptive'] as const, 'standard'),
      allowDefaultCredentials: bool(env, 'S3GATE_ALLOW_DEFAULT_CREDENTIALS', false),
      allowInsecureTls: bool(env, 'S3GATE_ALLOW_INSECURE_TLS', false),
      refreshBeforeMs: int(env, 'S3GATE_CREDENTIALS_REFRESH_BEFORE_MS', 300_000, 0),
    },
    circuit: {
      failures: int(env, 'S3GATE_CIRCUIT_FAILURES', 5, 1),
      cooldownMs: int(env, 'S3GATE_CIRCUIT_COOLDOWN_MS', 10_000, 1),
    },
    http: {
      idleTimeoutMs: int(env, 'S3GATE_IDLE_TIMEOUT_MS', 60_000, 1),
      headersTimeoutMs: int(env, 'S3GATE_HEADERS_TIMEOUT_MS', 20_000, 1),
      keepAliveTimeoutMs: int(env, 'S3GATE_KEEP_ALIVE_TIMEOUT_MS', 5_000, 1),
      maxConnections: int(env, 'S3GATE_MAX_CONNECTIONS', 1024, 0),
    },
    redisUrl: env.REDIS_URL || undefined,
    graphql: {
      maxContentBytes: int(env, 'S3GATE_GRAPHQL_MAX_CONTENT_BYTES', MiB, 0),
      maxDepth: int(env, 'S3GATE_GRAPHQL_MAX_DEPTH', 10, 1),
      maxLookups: int(env, 'S3GATE_GRAPHQL_MAX_LOOKUPS', 1000, 1),
      lookupConcurrency: int(env, 'S3GATE_GRAPHQL_LOOKUP_CONCURRENCY', 8, 1),
      maxCost: int(env, 'S3GATE_GRAPHQL_MAX_COST', 10_000, 1),
      maxAliases: int(env, 'S3GATE_GRAPHQL_MAX_ALIASES', 100, 0),
      connectionInitWaitMs: int(env, 'S3GATE_GRAPHQL_INIT_WAIT_MS', 10_000, 1),
      maxSubscriptions: int(env, 'S3GATE_GRAPHQL_MAX_SUBSCRIPTIONS', 100, 1),
      maxSubscriptionsPerProcess: int(env, 'S3GATE_GRAPHQL_MAX_SUBSCRIPTIONS_PER_PROCESS', 5000, 1),
      maxUnsentEvents: int(env, 'S3GATE_GRAPHQL_MAX_UNSENT_EVENTS', 1000, 1),
      maxUnsentBytes: int(env, 'S3GATE_GRAPHQL_MAX_UNSENT_BYTES', MiB, 1024),
      maxQueryBytes: int(env, 'S3GATE_GRAPHQL_MAX_QUERY_BYTES', 64 * 1024, 1),
      maxTokens: int(env, 'S3GATE_GRAPHQL_MAX_TOKENS', 10_000, 100),
      cacheSize: int(env, 'S3GATE_GRAPHQL_CACHE_SIZE', 128, 1),
    },
    upload: {
      multipartThreshold: Math.min(int(env, 'S3GATE_MULTIPART_THRESHOLD', 5 * 1024 * MiB, 0), 5 * 1024 * MiB),
      streamPartSize: int(env, 'S3GATE_STREAM_PART_SIZE', 64 * MiB, 5 * MiB),
      partSize,
      queueSize: int(env, 'S3GATE_UPLOAD_QUEUE_SIZE', 2, 1),
      multipartMaxAgeMs: num(env, 'S3GATE_MULTIPART_MAX_AGE_HOURS', 24) * 3600_000,
      janitorIntervalMs: int(env, 'S3GATE_JANITOR_INTERVAL_MS', 15 * 60_000, 1000),
    },
    tus: { lockTtlMs: int(env, 'S3GATE_TUS_LOCK_TTL_MS', 15_000, 300) },
    tracing: {
      enabled: Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) && !bool(env, 'OTEL_SDK_DISABLED', false) && env.OTEL_TRACES_EXPORTER !== 'none',
      serviceName: env.OTEL_SERVICE_NAME || 's3gate',
      sampler: oneOf(env, 'OTEL_TRACES_SAMPLER', SAMPLERS, 'parentbased_always_on'),
      samplerArg: num(env, 'OTEL_TRACES_SAMPLER_ARG', 1),
    },
    corsOrigins: (env.S3GATE_CORS_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim().replace(/\/+$/, '').toLowerCase())
      .filter(Boolean),
    ...overrides,
  };
  if (config.masterKey !== undefined && Buffer.from(config.masterKey, 'base64').length !== 32) {
    throw new ConfigError('S3GATE_MASTER_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32)');
  }
  if (config.masterKeyPrevious !== undefined) {
    if (Buffer.from(config.masterKeyPrevious, 'base64').length !== 32) throw new ConfigError('S3GATE_MASTER_KEY_PREVIOUS must be 32 bytes, base64-encoded: the master key before the rotation');
    if (config.masterKey === undefined) throw new ConfigError('S3GATE_MASTER_KEY_PREVIOUS needs S3GATE_MASTER_KEY: the new key that secrets are sealed with again');
  }
  if (config.tracing.samplerArg > 1) throw new ConfigError(`OTEL_TRACES_SAMPLER_ARG is the ratio of traces sampled, from 0 to 1, got ${config.tracing.samplerArg}`);
  for (const origin of config.corsOrigins) {
    if (origin !== '*' && !isOrigin(origin)) throw new ConfigError(`S3GATE_CORS_ORIGINS takes origins like https://app.example.com (scheme, host, port; no path) or *, got '${origin}'`);
  }
  return Object.freeze(config);
}

function isOrigin(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === s.toLowerCase();
  } catch {
    return false;
  }
}
