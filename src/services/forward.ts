import { finished } from 'node:stream';
import { errors, limits } from '../errors.js';
import type { RequestContext } from '../model/context.js';
import type { EventType } from '../model/event.js';
import type { ForwardRequest, ForwardResult } from '../model/object-store.js';
import { validateBucketName, validateKey } from '../model/names.js';
import { guardedUpload } from '../model/upload-guard.js';
import type { TenantPool } from '../s3/client-pool.js';
import type { EventSink } from './events.js';
import type { LimitService } from './limits.js';

/** What a forwarded request changed, judged from the backend's answer: the event to record, if any. */
export type ForwardedEvent = (res: ForwardResult) => { type: EventType; versionId?: string } | undefined;

/**
 * S3 operations the gateway does not model, carried to the tenant's S3 backend as they are: through the
 * tenant's pool (its admission is held until the answer's body is read), circuit, metrics and upload
 * limits, signed with the tenant's own credentials. What changes an object is recorded as an event before
 * the answer goes back, as every other write. Tenants on the disk driver have no such backend.
 */
export class ForwardService {
  constructor(
    private readonly pool: TenantPool,
    private readonly events: EventSink,
    private readonly limits: Pick<LimitService, 'upload'>,
  ) {}

  async forward(ctx: RequestContext, req: ForwardRequest & { contentLength?: number }, event?: ForwardedEvent): Promise<ForwardResult> {
    validateBucketName(req.bucket);
    if (req.key) validateKey(req.key);
    const limit = ctx.tenant.limits.maxObjectSize;
    if (req.contentLength !== undefined && req.contentLength > limit) throw new errors.PayloadTooLarge(limits.tenant(limit));
    const lease = this.pool.lease(ctx.tenant);
    try {
      const store = lease.store;
      if (!store.forward) throw new errors.NeedsS3Backend(req.operation);
      const send = store.forward.bind(store);
      const res = req.body ? (await guardedUpload(ctx, this.limits, req.body, limit, (body, signal) => send({ signal }, { ...req, body }))).result : await send(ctx, req);
      const happened = res.status < 300 ? event?.(res) : undefined;
      if (happened) {
        await this.events.record(ctx.tenant.id, [{ ...happened, bucket: req.bucket, key: req.key, source: 'gateway' }]).catch((err) => {
          res.body.destroy();
          throw err;
        });
      }
      finished(res.body, () => lease.release());
      return res;
    } catch (err) {
      lease.release();
      throw err;
    }
  }
}
