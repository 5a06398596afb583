import { Transform, type Readable } from 'node:stream';
import { errors, limits } from '../errors.js';
import type { RequestContext } from './context.js';
import type { Conditions, ObjectRef, ObjectStore, OpContext } from './object-store.js';
import type { ResolvedTenant } from './tenant.js';

/** Whatever hands out a tenant's upload slots: a release function per slot taken. */
export interface UploadSlots {
  upload(tenant: ResolvedTenant): () => void;
}

/**
 * Counts bytes on their way to the backend and fails the stream once they pass the tenant's limit,
 * so an oversized body of unknown length is refused without being stored.
 */
function byteLimit(limit: number): Transform & { bytes: number } {
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      t.bytes += chunk.length;
      if (t.bytes > limit) cb(new errors.PayloadTooLarge(limits.tenant(limit)));
      else cb(null, chunk);
    },
  }) as Transform & { bytes: number };
  t.bytes = 0;
  return t;
}

/**
 * Streams a client's body into a backend write (`write`), holding one of the tenant's upload slots:
 * the body is counted against `limit` as it passes, and a body that fails (over the limit, a check,
 * the client gone) aborts the backend request through the signal, so nothing is stored. The body's
 * own failure is thrown rather than the abort it caused.
 */
export async function guardedUpload<T>(
  ctx: RequestContext,
  limits: UploadSlots,
  input: Readable,
  limit: number,
  write: (body: Readable, signal: AbortSignal) => Promise<T>,
): Promise<{ result: T; bytes: number }> {
  const releaseUpload = ctx.holdsUploadSlot ? () => {} : limits.upload(ctx.tenant);
  const abort = new AbortController();
  const onAbort = () => abort.abort(ctx.signal.reason);
  if (ctx.signal.aborted) onAbort();
  else ctx.signal.addEventListener('abort', onAbort, { once: true });
  const counted = byteLimit(limit);
  let streamError: Error | undefined;
  // pipe() does not forward errors, so a failing body aborts the backend request through the signal.
  input.on('error', (err) => {
    streamError ??= err;
    counted.destroy(err);
    abort.abort(err);
  });
  counted.on('error', (err) => {
    streamError ??= err;
    input.unpipe(counted);
    abort.abort(err);
  });
  input.pipe(counted);
  try {
    const result = await write(counted, abort.signal);
    return { result, bytes: counted.bytes };
  } catch (err) {
    // The body's own failure (limit, a check, client gone) explains the backend's abort better than the abort does.
    throw streamError && isGatewayOrS3Error(streamError) ? streamError : err;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    releaseUpload();
  }
}

/**
 * x-amz-copy-source-if-* checked by the gateway before a copy: RGW 16 ignores all four (a copy with
 * a failing condition succeeds), so they are not left to the backend. A source that a read would
 * answer 304 fails a copy with 412, as S3 does. (The backend gets them too, where it applies them.)
 */
export async function checkCopySource(store: ObjectStore, ctx: OpContext, source: ObjectRef, conditions: Conditions | undefined): Promise<void> {
  if (!conditions || !Object.values(conditions).some((v) => v !== undefined)) return;
  const head = await store.headObject(ctx, source.bucket, source.key, conditions);
  if (head.status === 304) throw new errors.PreconditionFailed('the copy source does not match x-amz-copy-source-if-none-match / if-modified-since');
}

/** An error meant for the client: the gateway's codes, or an S3 error a face raised (the door's body checks). */
function isGatewayOrS3Error(err: Error): boolean {
  return Boolean((err as { code?: string }).code?.startsWith('S3GATE_') || (err as { s3Code?: string }).s3Code);
}
