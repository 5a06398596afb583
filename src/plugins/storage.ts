import { join } from 'node:path';
import fp from 'fastify-plugin';
import { UrlSigner } from '../lib/url-signer.js';
import { TenantPool } from '../s3/client-pool.js';
import { DiskBackend } from '../s3/drivers/disk.js';
import { S3Driver } from '../s3/drivers/s3.js';
import { BucketService } from '../services/buckets.js';
import { EventService } from '../services/events.js';
import { IngestService } from '../services/ingest.js';
import { NotificationService } from '../services/notifications.js';
import { SecretBox } from '../lib/secretbox.js';
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
  }
}

/** The per-tenant pool over both drivers, and the services that use it. */
export const storagePlugin = fp(
  async (app) => {
    const { config, metrics } = app;
    const disk = new DiskBackend(join(config.dataDir, 'objects'));
    const signer = new UrlSigner(app.masterKey);
    const pool = new TenantPool({
      maxTenants: config.pool.maxTenants,
      onReject: (tenant) => metrics.poolRejected.inc({ tenant }),
      idleMs: config.pool.idleMs,
      onError: (err, tenant) => app.log.warn({ err, tenant }, 'closing a tenant client failed'),
      factory: (tenant) =>
        tenant.driver === 'disk'
          ? disk.forTenant(tenant.id, (origin, req) => ({
              url: signer.sign(origin, { tenant: tenant.id, method: req.method, bucket: req.bucket, key: req.key, contentType: req.contentType, expires: Math.floor(Date.now() / 1000) + req.expiresIn }),
              headers: req.method === 'PUT' && req.contentType ? { 'content-type': req.contentType } : ({} as Record<string, string>),
            }))
          : new S3Driver(tenant, config.upload, (operation, status, seconds) => metrics.s3Requests.observe({ tenant: tenant.id, operation, status }, seconds)),
    });
    app.tenants.onChange((id) => pool.invalidate(id));
    metrics.poolSource = () => pool.entries();
    app.decorate('pool', pool);
    const events = new EventService(app.db.kysely);
    const ingest = new IngestService(app.db.kysely, new SecretBox(app.masterKey), events, { allowPrivate: config.webhooks.allowPrivate });
    const notifications = new NotificationService(app.db.kysely, pool, ingest);
    const wired = (tenantId: string, bucket: string) => notifications.wired(tenantId, bucket);
    app.decorate('events', events);
    app.decorate('ingest', ingest);
    app.decorate('notifications', notifications);
    app.decorate('buckets', new BucketService(pool, events, wired));
    app.decorate('objects', new ObjectService(pool, events, wired));
    app.decorate('urlSigner', signer);
    // Registered after the state plugin, so it closes first: clients go before the database.
    app.addHook('onClose', async () => {
      await pool.close();
      disk.close();
    });
  },
  { name: 's3gate-storage', dependencies: ['s3gate-state', 's3gate-metrics'] },
);
