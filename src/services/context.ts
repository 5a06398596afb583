import type { FastifyBaseLogger } from 'fastify';
import type { Lease, TenantPool } from '../s3/client-pool.js';
import type { ObjectStore } from '../s3/object-store.js';
import type { ResolvedTenant } from './tenants.js';

/** What every service call gets: who, where to log, and a signal that fires when the client goes away. */
export interface RequestContext {
  tenant: ResolvedTenant;
  log: FastifyBaseLogger;
  signal: AbortSignal;
  /** scheme://host[:port] at which the client reached the gateway. */
  origin: string;
}

/** Runs fn with the tenant's store, holding one admission of its pool for the duration. */
export async function withStore<T>(pool: TenantPool, ctx: RequestContext, fn: (store: ObjectStore) => Promise<T>): Promise<T> {
  const lease: Lease = pool.lease(ctx.tenant);
  try {
    return await fn(lease.store);
  } finally {
    lease.release();
  }
}
