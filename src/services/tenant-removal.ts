import type { FastifyBaseLogger } from 'fastify';
import { errors } from '../errors.js';
import type { NotificationService } from './notifications.js';
import type { TenantService } from './tenants.js';

/** What deleting a tenant did beyond its rows (which all go in one transaction). */
export interface TenantRemovalReport {
  id: string;
  /** Native notifications the gateway had wired on the backend: removed, or why not. */
  notifications: { removed: string[]; failed: { bucket: string; error: string }[] };
  /** Disk-driver tenants: objects deleted (purgeObjects) or set aside out of reach of a future tenant with this id. */
  objects: { purged: number } | { detached: number } | null;
}

export interface DiskData {
  detachTenant(tenant: string, as: string): number;
  purgeTenant(tenant: string): Promise<number>;
}

/**
 * A tenant's whole removal: its backend wiring (while its credentials still exist), then every row of
 * it in one transaction (foreign keys cascade from the tenant row), then its disk objects. Live
 * clients, caches, claimed deliveries and subscriptions drop it through TenantService.onChange.
 */
export class TenantRemoval {
  constructor(
    private readonly tenants: TenantService,
    private readonly notifications: NotificationService,
    private readonly disk: DiskData,
  ) {}

  async remove(id: string, opts: { purgeObjects: boolean; log: FastifyBaseLogger }): Promise<TenantRemovalReport> {
    const tenant = await this.tenants.resolveFresh(id);
    if (opts.purgeObjects && tenant.driver !== 'disk') {
      throw new errors.Validation("purgeObjects applies to disk-driver tenants; an S3 tenant's objects are in its own S3 account and stay there");
    }
    const ctx = { tenant, log: opts.log, signal: AbortSignal.timeout(30_000), origin: '' };
    const notifications = tenant.driver === 's3' ? await this.notifications.unwireAll(ctx) : { removed: [], failed: [] };
    await this.tenants.delete(id);
    let objects: TenantRemovalReport['objects'] = null;
    if (tenant.driver === 'disk') {
      objects = opts.purgeObjects ? { purged: await this.disk.purgeTenant(id) } : { detached: this.disk.detachTenant(id, `${id}#deleted#${tenant.createdAt}`) };
    }
    opts.log.info({ tenant: id, notifications, objects }, 'tenant deleted');
    return { id, notifications, objects };
  }
}
