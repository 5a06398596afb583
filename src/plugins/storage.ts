import { join } from 'node:path';
import fp from 'fastify-plugin';
import { UrlSigner } from '../lib/url-signer.js';
import { TenantPool } from '../s3/client-pool.js';
import { DiskBackend, type MultipartHooks } from '../s3/drivers/disk.js';
import { MultipartService } from '../services/multipart.js';
import { S3Driver } from '../s3/drivers/s3.js';
import { Redis } from 'ioredis';
import { MemoryRateLimiter, RedisRateLimiter } from '../lib/rate-limiter.js';
import { BucketService } from '../services/buckets.js';
import { LimitService } from '../services/limits.js';
import { ConnectionService } from '../services/connections.js';
import { EventService } from '../services/events.js';
import { IngestService } from '../services/ingest.js';
import { TenantRemoval } from '../services/tenant-removal.js';
import { UploadJanitor } from '../services/upload-janitor.js';
import { MultipartRepo } from '../store/multipart.js';
import { TusRepo } from '../store/tus.js';
import { TusService } from '../services/tus.js';
import { NotificationService } from '../services/notifications.js';
import { ObjectService } from '../services/objects.js';

declare module 'fastify' {
  interface FastifyInstance {
    pool: TenantPool;
    buckets: BucketService;
    events: EventService;
    ingest: IngestService;
    notifications: NotificationService;
    objects: ObjectService;
    urlSigner: UrlSigner;
    tenantRemoval: TenantRemoval;
    uploadJanitor: UploadJanitor;
    connections: ConnectionService;
    limits: LimitService;
    multipart: MultipartService;
    tus: TusService;
  }
}

/** The per-tenant pool over both drivers, and the services that use it. */
export const storagePlugin = fp(
  async (app) => {
    const { config, metrics } = app;
    const disk = new DiskBackend(join(config.dataDir, 'objects'));
    const signer = new UrlSigner(app.masterKey, app.config.masterKeyPrevious ? [Buffer.from(app.config.masterKeyPrevious, 'base64')] : []);
    const uploads = new MultipartRepo(app.db.kysely);
    const pool = new TenantPool({
      maxTenants: config.pool.maxTenants,
      onReject: (tenant) => metrics.poolRejected.inc({ tenant }),
      idleMs: config.pool.idleMs,
      onError: (err, tenant) => app.log.warn({ err, tenant }, 'closing a tenant client failed'),
      circuit: {
        ...config.circuit,
        onChange: (tenant, state) => {
          metrics.circuitState.set({ tenant }, state === 'closed' ? 0 : 1);
          app.log.warn({ tenant, circuit: state }, state === 'open' ? "the tenant's S3 endpoint is unreachable: its requests fail fast" : `tenant circuit ${state}`);
        },
      },
      factory: (tenant, reached) => {
        const multipart: MultipartHooks = {
          started: (bucket, key, uploadId) => uploads.started(tenant.id, bucket, key, uploadId, new Date(Date.now() + config.upload.multipartMaxAgeMs).toISOString()),
          ended: (uploadId) => uploads.ended(tenant.id, uploadId),
          abortFailed: (uploadId, error) => {
            app.log.warn({ tenant: tenant.id, uploadId, error }, 'aborting a multipart upload failed; the janitor retries it');
            return uploads.abortFailed(tenant.id, uploadId, error, new Date(Date.now() + 60_000).toISOString());
          },
        };
        if (tenant.driver === 'disk') {
          return disk.forTenant(tenant.id, (origin, req) => ({
            url: signer.sign(origin, { tenant: tenant.id, tenantCreatedAt: tenant.createdAt, method: req.method, bucket: req.bucket, key: req.key, contentType: req.contentType, expires: Math.floor(Date.now() / 1000) + req.expiresIn }),
            headers: req.method === 'PUT' && req.contentType ? { 'content-type': req.contentType } : ({} as Record<string, string>),
          }), multipart);
        }
        if (tenant.s3?.tls?.rejectUnauthorized === false) {
          app.log.warn({ tenant: tenant.id }, "TLS certificate verification is OFF for this tenant's S3 endpoint (s3.tls.rejectUnauthorized: false, allowed by S3GATE_ALLOW_INSECURE_TLS)");
        }
        return new S3Driver(tenant, {
          upload: config.upload,
          allowDefaultCredentials: config.s3.allowDefaultCredentials,
          refreshBeforeMs: config.s3.refreshBeforeMs,
          onCredentialRefresh: (outcome, err) => {
            metrics.credentialRefreshes.inc({ tenant: tenant.id, outcome });
            if (err) app.log.warn({ err, tenant: tenant.id }, 'refreshing temporary credentials failed; the current ones stay in use while valid');
          },
          hooks: {
            tenantId: tenant.id,
            observe: (operation, status, seconds) => metrics.s3Requests.observe({ tenant: tenant.id, operation, status }, seconds),
            error: (operation, code) => metrics.s3Errors.inc({ tenant: tenant.id, operation, code }),
            reached,
            multipart,
          },
        });
      },
    });
    app.tenants.onChange((id) => pool.invalidate(id));
    metrics.poolSource = () => pool.entries();
    app.decorate('pool', pool);
    const redis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false }) : undefined;
    redis?.on('error', () => {}); // reported by LimitService when a request needs it
    const limits = new LimitService(redis ? new RedisRateLimiter(redis) : new MemoryRateLimiter(), {
      onRefused: (tenant) => metrics.rateLimited.inc({ tenant }),
      onStoreError: (err) => app.log.warn({ err }, 'the rate-limit store (Redis) failed; requests are let through meanwhile'),
    });
    app.decorate('limits', limits);
    const events = new EventService(app.db.kysely);
    const ingest = new IngestService(app.db.kysely, app.secretBox, events, app.tenants, limits, { allowPrivate: config.webhooks.allowPrivate });
    const notifications = new NotificationService(app.db.kysely, pool, ingest);
    app.decorate('events', events);
    app.decorate('ingest', ingest);
    app.decorate('notifications', notifications);
    app.decorate('tenantRemoval', new TenantRemoval(app.tenants, notifications, disk));
    // Disk objects left under an id by a tenant deleted before deletions set them aside (or by a row
    // removed by hand) must not reach a new tenant given the id: they are set aside when it is created.
    app.tenants.onCreate(async (tenant) => {
      const moved = disk.detachTenant(tenant.id, `${tenant.id}#orphaned#${tenant.createdAt}`);
      if (moved > 0) app.log.warn({ tenant: tenant.id, objects: moved }, 'objects left under this tenant id by an earlier tenant were set aside');
    });
    const janitor = new UploadJanitor(uploads, app.tenants, pool, disk, { log: app.log, onOutcome: (tenant, outcome) => metrics.multipartAborts.inc({ tenant, outcome }) });
    app.decorate('uploadJanitor', janitor);
    let janitorTimer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      const sweep = async () => {
        await janitor.run();
        await app.tus.sweep();
      };
      janitorTimer = setInterval(() => void sweep().catch((err: unknown) => app.log.warn({ err }, 'the upload janitor failed; it runs again at the next interval')), config.upload.janitorIntervalMs).unref();
    });
    app.addHook('preClose', async () => clearInterval(janitorTimer));
    app.decorate('buckets', new BucketService(pool, events, notifications, async (ctx, bucket) => void (await notifications.set(ctx, bucket, false, true))));
    const multipart = new MultipartService(pool, events, limits);
    const tus = new TusService(new TusRepo(app.db.kysely), multipart, pool, events, app.tenants, signer, limits, {
      expiresMs: config.upload.multipartMaxAgeMs,
      lockTtlMs: config.tus.lockTtlMs,
      log: app.log,
    });
    app.decorate('objects', new ObjectService(pool, events, notifications, limits, tus));
    app.decorate('multipart', multipart);
    app.decorate('tus', tus);
    app.decorate('urlSigner', signer);
    app.decorate('connections', new ConnectionService(pool));
    // Registered after the state plugin, so it closes first: clients go before the database.
    app.addHook('onClose', async () => {
      await pool.close();
      disk.close();
      await limits.close();
      await redis?.quit().catch(() => redis.disconnect());
    });
  },
  { name: 's3gate-storage', dependencies: ['s3gate-state', 's3gate-metrics'] },
);
