import type { Kysely } from 'kysely';
import type { Database, MultipartUploadRow } from './schema.js';

/** The multipart uploads the gateway started: recorded at CreateMultipartUpload, gone at Complete or Abort. */
export class MultipartRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async started(tenantId: string, bucket: string, key: string, uploadId: string, dueAt: string): Promise<void> {
    await this.db
      .insertInto('multipart_uploads')
      .values({ tenant_id: tenantId, upload_id: uploadId, bucket, key, created_at: new Date().toISOString(), state: 'open', attempts: 0, next_attempt_at: dueAt, last_error: null })
      .onConflict((oc) => oc.columns(['tenant_id', 'upload_id']).doNothing())
      .execute();
  }

  async ended(tenantId: string, uploadId: string): Promise<void> {
    await this.db.deleteFrom('multipart_uploads').where('tenant_id', '=', tenantId).where('upload_id', '=', uploadId).execute();
  }

  /** Marks a failed abort, due again at retryAt; `attempts` counts the janitor's tries. */
  async abortFailed(tenantId: string, uploadId: string, error: string, retryAt: string, attempts?: number): Promise<void> {
    await this.db
      .updateTable('multipart_uploads')
      .set({ state: 'abort_failed', next_attempt_at: retryAt, last_error: error.slice(0, 500), ...(attempts !== undefined && { attempts }) })
      .where('tenant_id', '=', tenantId)
      .where('upload_id', '=', uploadId)
      .execute();
  }

  /** Uploads due for the janitor: failed aborts whose retry time has come, and open ones past their maximum age. */
  due(now: string, limit: number): Promise<MultipartUploadRow[]> {
    return this.db.selectFrom('multipart_uploads').selectAll().where('next_attempt_at', '<=', now).orderBy('next_attempt_at').limit(limit).execute();
  }

  list(tenantId: string): Promise<MultipartUploadRow[]> {
    return this.db.selectFrom('multipart_uploads').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').execute();
  }
}
