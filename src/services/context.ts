import type { Lease, TenantPool } from '../s3/client-pool.js';
import type { DeleteManyResult, ObjectStore } from '../model/object-store.js';
import type { RequestContext } from '../model/context.js';

/**
 * Deletes keys in one batch, or one by one where the bucket has native notifications: RGW 16.2 aborts
 * on DeleteObjects in a bucket with an ObjectRemoved topic (6 of 6 tries, any topic kind).
 */
export async function deleteKeys(store: ObjectStore, ctx: RequestContext, bucket: string, keys: string[], oneByOne: boolean): Promise<DeleteManyResult> {
  if (!oneByOne) return store.deleteObjects(ctx, bucket, keys);
  const result: DeleteManyResult = { deleted: [], errors: [] };
  for (const key of keys) {
    try {
      await store.deleteObject(ctx, bucket, key);
      result.deleted.push(key);
    } catch (err) {
      result.errors.push({ key, code: (err as { code?: string }).code ?? 'S3GATE_INTERNAL', message: (err as Error).message });
    }
  }
  return result;
}

/**
 * How a batch delete in a bucket runs: `guarded` calls fn with oneByOne true when the bucket has (or
 * is getting) native notifications, and keeps the wiring of one from starting while a batch runs.
 */
export interface DeleteGuard {
  wired(tenantId: string, bucket: string): Promise<boolean>;
  guarded<T>(tenantId: string, bucket: string, fn: (oneByOne: boolean) => Promise<T>): Promise<T>;
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
