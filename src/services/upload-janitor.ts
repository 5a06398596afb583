import type { FastifyBaseLogger } from 'fastify';
import type { TenantPool } from '../s3/client-pool.js';
import type { MultipartRepo } from '../store/multipart.js';
import { withStore } from './context.js';
import type { TenantService } from './tenants.js';

export interface JanitorReport {
  /** Multipart uploads aborted in S3 (or found already gone). */
  aborted: number;
  /** Aborts that failed again: retried later, with a growing delay. */
  failed: number;
  /** Disk-driver blob files no object referred to, removed. */
  orphanBlobs: number;
}

export interface UploadJanitorOptions {
  /** Most uploads looked at per run. @default 100 */
  batch?: number;
  /** Most uploads of one tenant per run, so one tenant's backlog cannot hold up the others'. @default 20 */
  perTenant?: number;
  /** Disk blobs unreferenced for this long are orphans. @default 1 hour */
  orphanAfterMs?: number;
  /** Counts each outcome per tenant (metrics). */
  onOutcome?: (tenantId: string, outcome: 'aborted' | 'failed') => void;
  log: FastifyBaseLogger;
}

const MINUTE = 60_000;

/**
 * Leaves nothing billable or orphaned behind: aborts the gateway's own multipart uploads whose abort
 * failed (retried with a growing delay: 1, 2, 4… minutes, at most 6 hours apart) and those still open
 * past the maximum age (their process died mid-upload), and removes disk blobs no object refers to.
 */
export class UploadJanitor {
  readonly #opts: Required<Omit<UploadJanitorOptions, 'onOutcome'>> & Pick<UploadJanitorOptions, 'onOutcome'>;

  constructor(
    private readonly repo: MultipartRepo,
    private readonly tenants: TenantService,
    private readonly pool: TenantPool,
    private readonly disk: { removeOrphanBlobs(olderThanMs: number, limit: number): Promise<number> },
    opts: UploadJanitorOptions,
  ) {
    this.#opts = { batch: 100, perTenant: 20, orphanAfterMs: 3600_000, ...opts };
  }

  async run(now = Date.now()): Promise<JanitorReport> {
    const report: JanitorReport = { aborted: 0, failed: 0, orphanBlobs: 0 };
    const taken = new Map<string, number>();
    let done = 0;
    for (const row of await this.repo.due(new Date(now).toISOString(), this.#opts.batch * 5)) {
      if (done >= this.#opts.batch || (taken.get(row.tenant_id) ?? 0) >= this.#opts.perTenant) continue;
      taken.set(row.tenant_id, (taken.get(row.tenant_id) ?? 0) + 1);
      done++;
      const tenant = await this.tenants.resolve(row.tenant_id).catch(() => undefined);
      // A deleted tenant's rows went with it (cascade); one deleted meanwhile has no credentials left.
      if (!tenant) continue;
      const ctx = { tenant, log: this.#opts.log.child({ tenant: tenant.id }), signal: AbortSignal.timeout(30_000), origin: '' };
      try {
        await withStore(this.pool, ctx, (store) =>
          // Already gone is what an abort wants; so is a deleted bucket (its uploads went with it).
          store.multipart.abort(ctx, { bucket: row.bucket, key: row.key, uploadId: row.upload_id }).catch((err: { code?: string }) => {
            if (err.code !== 'S3GATE_NO_SUCH_UPLOAD' && err.code !== 'S3GATE_BUCKET_NOT_FOUND') throw err;
          }),
        );
        // The driver drops the record when S3 confirms; this covers a driver that did not.
        await this.repo.ended(row.tenant_id, row.upload_id);
        report.aborted++;
        this.#opts.onOutcome?.(tenant.id, 'aborted');
        ctx.log.info({ bucket: row.bucket, key: row.key, uploadId: row.upload_id, since: row.created_at }, 'janitor aborted an unfinished multipart upload');
      } catch (err) {
        const attempts = row.attempts + 1;
        const retryAt = new Date(now + Math.min(2 ** (attempts - 1) * MINUTE, 360 * MINUTE)).toISOString();
        await this.repo.abortFailed(row.tenant_id, row.upload_id, `${(err as { code?: string }).code ?? (err as Error).name}: ${(err as Error).message}`, retryAt, attempts);
        report.failed++;
        this.#opts.onOutcome?.(tenant.id, 'failed');
        ctx.log.warn({ err, bucket: row.bucket, key: row.key, uploadId: row.upload_id, attempts, retryAt }, 'janitor could not abort a multipart upload; it tries again later');
      }
    }
    report.orphanBlobs = await this.disk.removeOrphanBlobs(this.#opts.orphanAfterMs, this.#opts.batch * 10);
    if (report.orphanBlobs > 0) this.#opts.log.info({ removed: report.orphanBlobs }, 'janitor removed orphaned disk blobs');
    return report;
  }
}
