import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import { Dispatcher } from '../events/dispatcher.js';
import { Retention } from '../events/retention.js';
import { WebhookSender } from '../events/sender.js';
import { Destinations } from '../events/destinations/index.js';
import { MemoryRateLimiter, RedisRateLimiter } from '../lib/rate-limiter.js';
import type { SecretBox } from '../lib/secretbox.js';
import { UrlSigner } from '../lib/url-signer.js';
import type { CircuitState } from '../s3/circuit.js';
import { TenantPool } from '../s3/client-pool.js';
import { DiskBackend } from '../s3/drivers/disk/backend.js';
import type { MultipartHooks } from '../s3/drivers/disk/rows.js';
import { S3Driver } from '../s3/drivers/s3/driver.js';
import { MultipartRepo } from '../store/multipart.js';
import { S3KeyRepo } from '../store/s3-keys.js';
import type { Database } from '../store/schema.js';
import { TenantRepo } from '../store/tenants.js';
import { TusRepo } from '../store/tus.js';
import { bootstrapTenants, type BootstrapReport } from './bootstrap.js';
import { BucketService } from './buckets.js';
import { ConnectionService } from './connections.js';
import { EventService } from './events.js';
import { IngestService } from './ingest.js';
import { LimitService } from './limits.js';
import { MasterKeyRotation } from './master-key.js';
import { MultipartService } from './multipart.js';
import { NotificationService } from './notifications.js';
import { ObjectService } from './objects.js';
import { ForwardService } from './forward.js';
import { CorsService } from './cors.js';
import { CorsRepo } from '../store/cors.js';
import { diskPresigner, PresignService } from './presign.js';
import { S3KeyService } from './s3-keys.js';
import { TenantRemoval } from './tenant-removal.js';
import { TenantService } from './tenants.js';
import { StatsService } from './stats.js';
import { StatsCluster } from './stats-cluster.js';
import { TusService } from './tus.js';
import { UploadJanitor } from './upload-janitor.js';
import { WebhookService } from './webhooks.js';

/** How often the pool's sockets are sampled into the stats (their peak per slot is kept), and the figures sent to Redis. */
const POOL_SAMPLE_MS = 2000;

/** What the services report as they work: the metrics plugin counts it; the CLI ignores it. */
export interface Observers {
  poolRejected(tenant: string): void;
  circuit(tenant: string, state: CircuitState): void;
  credentialRefresh(tenant: string, outcome: 'ok' | 'error'): void;
  s3Request(tenant: string, operation: string, status: string, seconds: number): void;
  s3Error(tenant: string, operation: string, code: string): void;
  rateLimited(tenant: string): void;
  multipartAbort(tenant: string, outcome: string): void;
}

const unobserved: Observers = {
  poolRejected: () => {},
  circuit: () => {},
  credentialRefresh: () => {},
  s3Request: () => {},
  s3Error: () => {},
  rateLimited: () => {},
  multipartAbort: () => {},
};

/** The opened state store and the keys that protect it (plugins/state.ts, or the CLI's own). */
export interface State {
  kysely: Kysely<Database>;
  box: SecretBox;
  masterKey: Buffer;
}

export interface ServiceOptions {
  state: State;
  log: FastifyBaseLogger;
  observe?: Observers;
  /** Create or update the tenants of S3GATE_TENANTS_FILE (or the `local` tenant) before anything else runs. @default false */
  bootstrap?: boolean;
}

/** Every service of the gateway, built once, shared by every face (REST, GraphQL, the S3 door, tus) and the CLI. */
export interface Services {
  tenants: TenantService;
  s3Keys: S3KeyService;
  bootstrap: BootstrapReport;
  pool: TenantPool;
  limits: LimitService;
  events: EventService;
  ingest: IngestService;
  notifications: NotificationService;
  buckets: BucketService;
  objects: ObjectService;
  /** S3 operations the gateway does not model, carried to S3 backends as they are (the door's). */
  forward: ForwardService;
  /** Buckets' CORS configurations, as the S3 door answers browsers with them. */
  cors: CorsService;
  multipart: MultipartService;
  tus: TusService;
  presign: PresignService;
  urlSigner: UrlSigner;
  connections: ConnectionService;
  tenantRemoval: TenantRemoval;
  uploadJanitor: UploadJanitor;
  webhooks: WebhookService;
  dispatcher: Dispatcher;
  /** Recent figures per tenant, webhook and gateway, in this process's memory (GET /v1/stats, /admin/stats). */
  stats: StatsService;
  retention: Retention;
  masterKeyRotation: MasterKeyRotation;
  /** Starts the background work: the dispatcher, the upload janitor, retention. */
  start(): void;
  /** Stops it and closes what the services opened (clients, the disk backend, Redis); the state store is the caller's. */
  close(): Promise<void>;
}

/** Buckets, and the CORS configurations that go with them when they are deleted. */
/** With Redis, every process's figures are read from there; returns what sends this process's (never rejects). */
function shareStats(stats: StatsService, redis: Redis | undefined, prefix: string, log: FastifyBaseLogger): () => Promise<void> {
  if (!redis) return async () => {};
  const shared = new StatsCluster(redis, stats, { prefix });
  stats.share(shared, (err) => log.warn({ err }, "the stats store (Redis) failed; this process's own figures are answered meanwhile"));
  return () => shared.flush().catch((err: unknown) => log.debug({ err }, 'sending figures to Redis failed; they go with the next ones'));
}

/** The outbox's way out: destinations, the dispatcher (woken by each recording) and the subscriptions. */
function deliveryServices(cfg: Config['webhooks'], { kysely, box }: State, tenants: TenantService, events: EventService, stats: StatsService, log: FastifyBaseLogger) {
  const sender = new WebhookSender({ timeoutMs: cfg.timeoutMs, allowPrivate: cfg.allowPrivate });
  const destinations = new Destinations({ box, webhooks: sender, timeoutMs: cfg.timeoutMs, allowPrivate: cfg.allowPrivate });
  const dispatcher = new Dispatcher({
    db: kysely,
    box,
    destinations,
    config: cfg,
    log,
    // Cached like every tenant lookup.
    tenantExists: (id) =>
      tenants.resolve(id).then(
        () => true,
        () => false,
      ),
    onOutcome: (d, ok, attemptMs) => stats.delivery(d.tenant_id, d.webhook_id, ok, attemptMs, Date.now() - Date.parse(d.created_at)),
  });
  const webhooks = new WebhookService(kysely, box, destinations, { allowPrivate: cfg.allowPrivate, wake: () => dispatcher.wake() });
  events.onRecorded((recorded) => {
    dispatcher.wake();
    for (const e of recorded) stats.events(e.data.tenant, 1);
  });
  return { sender, destinations, dispatcher, webhooks };
}

function bucketServices(pool: TenantPool, events: EventService, notifications: NotificationService, state: State): { buckets: BucketService; cors: CorsService } {
  const repo = new CorsRepo(state.kysely);
  const buckets = new BucketService(
    pool,
    events,
    notifications,
    async (ctx, bucket) => void (await notifications.set(ctx, bucket, false, true)),
    (tenantId, bucket) => repo.delete(tenantId, bucket),
  );
  return { buckets, cors: new CorsService(repo, buckets) };
}

/**
 * The services that need only the state store: what the CLI uses offline (it runs beside live gateways,
 * so it must not open the disk driver, whose start clears its temporary files).
 */
export function createStateServices(config: Config, state: State): Pick<Services, 'tenants' | 's3Keys' | 'masterKeyRotation'> {
  const tenants = new TenantService({
    repo: new TenantRepo(state.kysely),
    box: state.box,
    defaults: {
      pool: config.pool,
      limits: config.limits,
      maxAttempts: config.s3.maxAttempts,
      retryMode: config.s3.retryMode,
      allowDefaultCredentials: config.s3.allowDefaultCredentials,
      allowInsecureTls: config.s3.allowInsecureTls,
    },
    cacheTtlMs: config.tenantCacheTtlMs,
  });
  const tenantExists = (id: string) =>
    tenants.resolveFresh(id).then(
      () => true,
      () => false,
    );
  return { tenants, s3Keys: new S3KeyService(new S3KeyRepo(state.kysely), state.box, tenantExists), masterKeyRotation: new MasterKeyRotation(state.kysely, state.box) };
}

/** The services as the faces get them: everything but the lifecycle. */
export type AppServices = Omit<Services, 'start' | 'close'>;

/** Builds every service over an opened state store. Nothing runs in the background until start(). */
export async function createServices(config: Config, opts: ServiceOptions): Promise<Services> {
  const { kysely, box, masterKey } = opts.state;
  const { log } = opts;
  const observe = opts.observe ?? unobserved;
  const { tenants, s3Keys, masterKeyRotation } = createStateServices(config, opts.state);
  // Before the storage hooks below (setting aside a new tenant's orphaned disk objects) are in place, as it always was.
  const bootstrap = opts.bootstrap ? await bootstrapTenants(tenants, config, log) : { createdKeys: [] };

  const disk = new DiskBackend(join(config.dataDir, 'objects'));
  const signer = new UrlSigner(masterKey, config.masterKeyPrevious ? [Buffer.from(config.masterKeyPrevious, 'base64')] : []);
  const uploads = new MultipartRepo(kysely);
  const pool = new TenantPool({
    maxTenants: config.pool.maxTenants,
    onReject: (tenant) => observe.poolRejected(tenant),
    idleMs: config.pool.idleMs,
    onError: (err, tenant) => log.warn({ err, tenant }, 'closing a tenant client failed'),
    circuit: {
      ...config.circuit,
      onChange: (tenant, state) => {
        observe.circuit(tenant, state);
        log.warn({ tenant, circuit: state }, state === 'open' ? "the tenant's S3 endpoint is unreachable: its requests fail fast" : `tenant circuit ${state}`);
      },
    },
    factory: (tenant, reached) => {
      const multipart: MultipartHooks = {
        started: (bucket, key, uploadId) => uploads.started(tenant.id, bucket, key, uploadId, new Date(Date.now() + config.upload.multipartMaxAgeMs).toISOString()),
        ended: (uploadId) => uploads.ended(tenant.id, uploadId),
        abortFailed: (uploadId, error) => {
          log.warn({ tenant: tenant.id, uploadId, error }, 'aborting a multipart upload failed; the janitor retries it');
          return uploads.abortFailed(tenant.id, uploadId, error, new Date(Date.now() + 60_000).toISOString());
        },
      };
      if (tenant.driver === 'disk') return disk.forTenant(tenant.id, diskPresigner(signer, tenant), multipart);
      if (tenant.s3?.tls?.rejectUnauthorized === false) {
        log.warn({ tenant: tenant.id }, "TLS certificate verification is OFF for this tenant's S3 endpoint (s3.tls.rejectUnauthorized: false, allowed by S3GATE_ALLOW_INSECURE_TLS)");
      }
      return new S3Driver(tenant, {
        upload: config.upload,
        allowDefaultCredentials: config.s3.allowDefaultCredentials,
        refreshBeforeMs: config.s3.refreshBeforeMs,
        onCredentialRefresh: (outcome, err) => {
          observe.credentialRefresh(tenant.id, outcome);
          if (err) log.warn({ err, tenant: tenant.id }, 'refreshing temporary credentials failed; the current ones stay in use while valid');
        },
        hooks: {
          tenantId: tenant.id,
          observe: (operation, status, seconds) => observe.s3Request(tenant.id, operation, status, seconds),
          error: (operation, code) => observe.s3Error(tenant.id, operation, code),
          reached,
          multipart,
        },
      });
    },
  });
  tenants.onChange((id) => pool.invalidate(id));
  const stats = new StatsService({ maxSeries: config.stats.maxSeries });
  const redis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false }) : undefined;
  redis?.on('error', () => {}); // reported by LimitService when a request needs it
  const flushStats = shareStats(stats, redis, config.stats.redisPrefix, log);
  const limits = new LimitService(redis ? new RedisRateLimiter(redis) : new MemoryRateLimiter(), {
    onRefused: (tenant) => {
      observe.rateLimited(tenant);
      stats.rateLimited(tenant);
    },
    onStoreError: (err) => log.warn({ err }, 'the rate-limit store (Redis) failed; requests are let through meanwhile'),
  });
  const events = new EventService(kysely);
  const ingest = new IngestService(kysely, box, events, tenants, limits, { allowPrivate: config.webhooks.allowPrivate });
  const notifications = new NotificationService(kysely, pool, ingest);
  // Disk objects left under an id by a tenant deleted before deletions set them aside (or by a row
  // removed by hand) must not reach a new tenant given the id: they are set aside when it is created.
  tenants.onCreate(async (tenant) => {
    stats.forgetTenant(tenant.id);
    const moved = disk.detachTenant(tenant.id, `${tenant.id}#orphaned#${tenant.createdAt}`);
    if (moved > 0) log.warn({ tenant: tenant.id, objects: moved }, 'objects left under this tenant id by an earlier tenant were set aside');
  });
  const uploadJanitor = new UploadJanitor(uploads, tenants, pool, disk, { log, onOutcome: (tenant, outcome) => observe.multipartAbort(tenant, outcome) });
  const multipart = new MultipartService(pool, events, limits);
  const tus = new TusService(new TusRepo(kysely), multipart, pool, events, tenants, signer, limits, {
    expiresMs: config.upload.multipartMaxAgeMs,
    lockTtlMs: config.tus.lockTtlMs,
    log,
  });

  const cfg = config.webhooks;
  const { sender, destinations, dispatcher, webhooks } = deliveryServices(cfg, opts.state, tenants, events, stats, log);
  const retention = new Retention(kysely, { eventsMs: cfg.retentionMs, deliveriesMs: cfg.deliveryRetentionMs });

  const timers: NodeJS.Timeout[] = [];
  const prune = () =>
    retention.run().then(
      (report) => {
        if (report.events + report.deliveries + report.attempts > 0) log.info({ retention: report }, 'retention pruned the event and delivery logs');
      },
      (err: unknown) => log.warn({ err }, 'retention failed; it runs again at the next interval'),
    );
  const sweep = async () => {
    await uploadJanitor.run();
    await tus.sweep();
  };

  const { buckets, cors } = bucketServices(pool, events, notifications, opts.state);
  return {
    tenants,
    s3Keys,
    bootstrap,
    pool,
    limits,
    events,
    ingest,
    notifications,
    buckets,
    cors,
    objects: new ObjectService(pool, events, notifications, limits),
    forward: new ForwardService(pool, events, limits),
    multipart,
    tus,
    presign: new PresignService(pool, signer, tenants),
    urlSigner: signer,
    connections: new ConnectionService(pool),
    tenantRemoval: new TenantRemoval(tenants, notifications, disk),
    uploadJanitor,
    webhooks,
    stats,
    dispatcher,
    retention,
    masterKeyRotation,
    start() {
      timers.push(setInterval(() => void sweep().catch((err: unknown) => log.warn({ err }, 'the upload janitor failed; it runs again at the next interval')), config.upload.janitorIntervalMs).unref());
      dispatcher.start();
      timers.push(setInterval(() => void (stats.samplePool(pool.entries()), flushStats()), POOL_SAMPLE_MS).unref());
      timers.push(setTimeout(prune, Math.min(60_000, cfg.retentionIntervalMs)).unref());
      timers.push(setInterval(prune, cfg.retentionIntervalMs).unref());
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      await dispatcher.close();
      await destinations.close();
      await sender.close();
      await pool.close();
      disk.close();
      await limits.close();
      await flushStats();
      await redis?.quit().catch(() => redis.disconnect());
    },
  };
}
