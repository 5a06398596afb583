import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { errors, limits } from '../errors.js';
import { readUpTo, take } from '../lib/take.js';
import type { UrlSigner } from '../lib/url-signer.js';
import type { TenantPool } from '../s3/client-pool.js';
import type { TusUploadRow } from '../store/schema.js';
import type { Progress, TusRepo } from '../store/tus.js';
import { withStore } from './context.js';
import type { RequestContext } from '../model/context.js';
import type { EventSink } from './events.js';
import type { LimitService } from './limits.js';
import type { MultipartService } from './multipart.js';
import type { TenantService } from './tenants.js';
import { validateBucketName, validateKey, validateMetadata } from '../model/names.js';
import { COMPLETE_TIMEOUT_MS, hashing, type Lease, MAX_PARTS, MiB, multipartEtag, partSizeFor, prefixed, STREAM_PART, type TusOptions, type TusTarget, type TusUpload, viewOf } from './tus-upload.js';

/**
 * Resumable uploads (tus) into a tenant's bucket: each is one S3 multipart upload, driven through the
 * same multipart service (pool, admission, upload slots, size limit, completion event) as the S3 door.
 * Bytes of a PATCH whose length is known stream straight into parts; only bytes that cannot fill a
 * part yet are held, in memory and then in the state store (the tail: less than one part), so any
 * gateway process can take the upload over. Progress is recorded after each stored part.
 */
export class TusService {
  readonly #instance = randomBytes(6).toString('hex');
  #leases = 0;

  constructor(
    private readonly repo: TusRepo,
    private readonly multipart: MultipartService,
    private readonly pool: TenantPool,
    private readonly events: EventSink,
    private readonly tenants: Pick<TenantService, 'resolve'>,
    private readonly signer: UrlSigner,
    private readonly limits: Pick<LimitService, 'upload'>,
    private readonly opts: TusOptions,
  ) {}

  /** The URL of an upload: signed for it when it was created through a presigned URL, valid until it expires. */
  uploadUrl(ctx: RequestContext, up: TusUpload): string {
    if (!up.presigned) return `${ctx.origin}/v1/uploads/${up.id}`;
    const expires = Math.ceil(new Date(up.expiresAt).getTime() / 1000);
    return this.signer.sign(ctx.origin, { tenant: ctx.tenant.id, tenantCreatedAt: ctx.tenant.createdAt, method: 'TUS', bucket: up.bucket, key: up.key, expires, upload: up.id });
  }

  get expiresMs(): number {
    return this.opts.expiresMs;
  }

  /**
   * What a presigned creation URL (its nonce) created: the upload, while it is there (a retried
   * creation answers it, so a client whose answer was lost goes on with it); PresignUsed once it was
   * terminated or expired; undefined when the URL has created nothing yet.
   */
  async createdWith(ctx: RequestContext, nonce: string): Promise<TusUpload | undefined> {
    const creation = await this.repo.creation(ctx.tenant.id, nonce);
    if (!creation) return undefined;
    const row = await this.repo.get(creation.upload);
    if (!row || row.tenant_id !== ctx.tenant.id) throw new errors.PresignUsed(creation.upload);
    return viewOf(row);
  }

  /**
   * Starts an upload of `size` bytes to target (with a multipart upload in the tenant's backend).
   * `creation` is the presigned URL that asks for it (its nonce, and when it expires): the upload is
   * recorded under it in the same transaction, so one URL creates one upload, even raced.
   */
  async create(ctx: RequestContext, id: string, size: number, target: TusTarget, opts: { presigned: boolean; lease: Lease; creation?: { nonce: string; expiresAt: string } }): Promise<TusUpload> {
    validateBucketName(target.bucket);
    validateKey(target.key);
    validateMetadata(target.metadata);
    if (!Number.isSafeInteger(size) || size < 0) throw new errors.InvalidUpload('Upload-Length must be a whole number of bytes');
    const max = ctx.tenant.limits.maxObjectSize;
    if (size > max) throw new errors.PayloadTooLarge(limits.tenant(max));
    if (size > MAX_PARTS * 5 * 1024 * MiB) throw new errors.PayloadTooLarge("S3's limit of 10,000 parts of 5 GiB");
    const cap = ctx.tenant.limits.maxResumableUploads;
    if (cap > 0 && (await this.repo.openCount(ctx.tenant.id)) >= cap) throw new errors.TooManyResumableUploads(ctx.tenant.id, cap);
    if (target.createOnly) await this.#refuseExisting(ctx, target.bucket, target.key);
    const { uploadId } = await this.multipart.create(ctx, target.bucket, target.key, { contentType: target.contentType, metadata: target.metadata });
    const now = new Date();
    const row: TusUploadRow = {
      id,
      tenant_id: ctx.tenant.id,
      bucket: target.bucket,
      key: target.key,
      upload_id: uploadId,
      size,
      received: 0,
      part_size: partSizeFor(size),
      tail: null,
      content_type: target.contentType ?? null,
      metadata: JSON.stringify(target.metadata),
      tus_metadata: JSON.stringify(target.tusMetadata),
      create_only: target.createOnly ? 1 : 0,
      presigned: opts.presigned ? 1 : 0,
      state: size === 0 ? 'completing' : 'open',
      etag: null,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + this.opts.expiresMs).toISOString(),
      lock_owner: opts.lease.owner,
      lock_until: new Date(now.getTime() + this.opts.lockTtlMs).toISOString(),
    };
    try {
      await this.repo.insert(row, opts.creation && { tenant_id: ctx.tenant.id, nonce: opts.creation.nonce, upload: id, expires_at: opts.creation.expiresAt });
    } catch (err) {
      await this.multipart.abort(ctx, target.bucket, target.key, uploadId).catch(() => {});
      // The same URL's other creation won the race.
      if (opts.creation && (await this.repo.creation(ctx.tenant.id, opts.creation.nonce))) throw new errors.PresignUsed(id);
      throw err;
    }
    // An empty object: one empty part (S3 completes nothing from no parts).
    if (size === 0) {
      const { etag } = await this.multipart.uploadPart(ctx, target.bucket, target.key, uploadId, 1, Readable.from([]), 0);
      await this.repo.commit(id, opts.lease.owner, { parts: [{ partNumber: 1, etag, size: 0 }], received: 0, tail: null });
      return viewOf(await this.#complete(ctx, row));
    }
    return viewOf(row);
  }

  /**
   * The tenant's upload (404 for any other tenant's). One whose bytes are all in but whose object was
   * not assembled (its process died then) is completed first, so its offset is never reported done early.
   */
  async find(ctx: RequestContext, id: string): Promise<TusUpload> {
    const row = await this.#own(ctx, id);
    if (row.state !== 'completing') return viewOf(row);
    const lease = await this.lock(id);
    try {
      const now = await this.#own(ctx, id);
      return viewOf(now.state === 'completing' ? await this.#complete(ctx, now) : now);
    } finally {
      await lease.release();
    }
  }

  /**
   * Makes the calling request the upload's only writer until release(), across processes; 423 while
   * another holds it. A lease on an upload not created yet becomes the creator's (create() records it).
   */
  async lock(id: string): Promise<Lease> {
    const owner = `${this.#instance}.${++this.#leases}`;
    const ttl = this.opts.lockTtlMs;
    const exists = await this.repo.get(id);
    if (exists && !(await this.repo.lock(id, owner, new Date(), new Date(Date.now() + ttl)))) {
      throw new errors.UploadLocked(id, Math.ceil(ttl / 1000));
    }
    const lost = new AbortController();
    const timer = setInterval(
      () => {
        this.repo.renew(id, owner, new Date(Date.now() + ttl)).then(
          (held) => {
            if (!held && exists) lost.abort(new errors.UploadLocked(id, Math.ceil(ttl / 1000)));
          },
          (err: unknown) => lost.abort(err),
        );
      },
      Math.max(50, Math.floor(ttl / 3)),
    ).unref();
    return {
      owner,
      lost: lost.signal,
      release: async () => {
        clearInterval(timer);
        await this.repo.unlock(id, owner).catch((err: unknown) => this.opts.log.warn({ err, upload: id }, 'releasing a tus upload failed; its lease runs out by itself'));
      },
    };
  }

  /**
   * Appends the PATCH body at `offset` (which must be the upload's offset); returns the new offset.
   * With a checksum nothing is recorded unless the whole body matches it. Without one, every stored
   * part counts, and bytes that cannot fill a part are kept, even when the client goes away.
   */
  async write(ctx: RequestContext, id: string, lease: Lease, offset: number, body: Readable, opts: { contentLength?: number; checksum?: { algorithm: string; digest: Buffer } }): Promise<number> {
    const up = await this.#own(ctx, id);
    if (up.state === 'completing') await this.#complete(ctx, up);
    if (offset !== up.received) throw new errors.OffsetConflict(`${offset} sent, ${up.received} received`);
    if (up.state !== 'open') return up.received;
    // One upload slot for the whole PATCH, bytes held in memory included (its parts take no other).
    const release = this.limits.upload(ctx.tenant);
    try {
      return await this.#append({ ...ctx, holdsUploadSlot: true }, up, lease, body, opts);
    } finally {
      release();
    }
  }

  async #append(ctx: RequestContext, up: TusUploadRow, lease: Lease, body: Readable, opts: { contentLength?: number; checksum?: { algorithm: string; digest: Buffer } }): Promise<number> {
    const id = up.id;
    const declared = opts.contentLength;
    if (declared !== undefined && up.received + declared > up.size) throw new errors.PayloadTooLarge(`Upload-Length (${up.size} bytes) at offset ${up.received}`);
    const hash = opts.checksum && createHash(opts.checksum.algorithm);
    const src = hash ? hashing(body, hash) : body;
    const P = up.part_size;
    const T = Math.max(P, STREAM_PART);
    let tail = up.tail ?? Buffer.alloc(0);
    let received = up.received;
    let left = declared;
    let partNumber = (await this.repo.lastPart(id)) + 1;
    const pending: Progress['parts'] = [];
    // Recorded at once without a checksum (each stored part counts); with one, all at the end or nothing.
    const record = async (parts: Progress['parts'], final: boolean) => {
      if (hash && !final) {
        pending.push(...parts);
        return;
      }
      if (!(await this.repo.commit(id, lease.owner, { parts, received, tail: tail.length > 0 ? tail : null }))) throw new errors.UploadLocked(id, Math.ceil(this.opts.lockTtlMs / 1000));
    };
    const storePart = async (part: Readable, size: number) => {
      if (lease.lost.aborted) throw lease.lost.reason;
      // Its failure reaches us through uploadPart, which may refuse it unread.
      part.on('error', () => {});
      const { etag } = await this.multipart.uploadPart(ctx, up.bucket, up.key, up.upload_id, partNumber, part, size);
      return { partNumber: partNumber++, etag, size };
    };

    for (;;) {
      if (left !== undefined) {
        // Known length: stream whole parts straight through; keep what cannot fill one.
        const avail = tail.length + left;
        const final = received + left === up.size;
        if (avail === 0 || (avail < P && !final && left === 0)) break;
        if (avail >= P || final) {
          const size = avail < T + P ? avail : T;
          const slice = take(src, size - tail.length).on('error', () => {});
          const part = await storePart(prefixed(tail, slice), size);
          received += size - tail.length;
          left -= size - tail.length;
          tail = Buffer.alloc(0);
          await record([part], false);
          continue;
        }
        const got = await readUpTo(src, left);
        tail = Buffer.concat([tail, got.buf]);
        received += got.buf.length;
        left -= got.buf.length;
        if (got.error || left > 0) {
          if (!hash && got.buf.length > 0) await record([], true);
          throw got.error ?? new errors.InvalidUpload(`the body ended ${left} bytes before its Content-Length`);
        }
        break;
      }
      // Unknown length (chunked): hold up to one part, store it when full or when it ends the upload.
      const got = await readUpTo(src, P - tail.length);
      tail = Buffer.concat([tail, got.buf]);
      received += got.buf.length;
      if (received > up.size) throw new errors.PayloadTooLarge(`Upload-Length (${up.size} bytes)`);
      if (tail.length > 0 && (tail.length >= P || received === up.size)) {
        const held = tail;
        tail = Buffer.alloc(0);
        await record([await storePart(Readable.from([held]), held.length)], false);
      }
      if (got.error) {
        if (!hash && tail.length > 0) await record([], true);
        throw got.error;
      }
      if (got.ended) break;
    }

    if (hash) {
      const digest = hash.digest();
      if (!digest.equals(opts.checksum!.digest)) throw new errors.ChecksumMismatch(opts.checksum!.algorithm);
      await record(pending, true);
    } else if (tail.length > 0 || (up.tail?.length ?? 0) > 0) {
      await record([], true);
    }
    if (received === up.size) {
      await this.repo.setState(id, 'completing');
      await this.#complete(ctx, { ...up, received, state: 'completing' });
    }
    return received;
  }

  /** DELETE: aborts the multipart upload and forgets the upload (the caller holds its lease). */
  async terminate(ctx: RequestContext, id: string): Promise<void> {
    const up = await this.#own(ctx, id);
    if (up.state !== 'done') await this.#abort(ctx, up);
    await this.repo.remove(id);
  }

  /**
   * Expired uploads: unfinished ones are aborted in the backend and removed, finished ones forgotten,
   * and one whose bytes were all in is completed. Returns how many were removed.
   */
  async sweep(now = new Date(), limit = 100): Promise<number> {
    await this.repo.dropExpiredCreations(now);
    let removed = 0;
    for (const up of await this.repo.expired(now, limit)) {
      const tenant = await this.tenants.resolve(up.tenant_id).catch(() => undefined);
      if (!tenant) {
        await this.repo.remove(up.id);
        continue;
      }
      const ctx: RequestContext = { tenant, log: this.opts.log.child({ tenant: tenant.id }), signal: AbortSignal.timeout(COMPLETE_TIMEOUT_MS), origin: '' };
      let lease: Lease;
      try {
        lease = await this.lock(up.id);
      } catch {
        continue; // being written right now: its writer finds it expired
      }
      try {
        if (up.state === 'completing') {
          // Its bytes are all in: complete it; one the backend refuses for good (its bucket gone) is dropped.
          await this.#complete(ctx, up).catch(async (err: { statusCode?: number; code?: string }) => {
            if ((err.statusCode ?? 500) >= 500) throw err;
            await this.#abort(ctx, up).catch(() => {});
            await this.repo.remove(up.id);
            removed++;
            ctx.log.warn({ upload: up.id, bucket: up.bucket, key: up.key, code: err.code }, 'an expired tus upload could not be completed; aborted and removed');
          });
        } else {
          if (up.state === 'open') await this.#abort(ctx, up);
          await this.repo.remove(up.id);
          removed++;
          if (up.state === 'open') ctx.log.info({ upload: up.id, bucket: up.bucket, key: up.key, received: up.received, size: up.size }, 'an unfinished tus upload expired: aborted and removed');
        }
      } catch (err) {
        ctx.log.warn({ err, upload: up.id }, 'an expired tus upload could not be cleaned up; tried again at the next run');
      } finally {
        await lease.release();
      }
    }
    return removed;
  }

  async #own(ctx: RequestContext, id: string): Promise<TusUploadRow> {
    const row = await this.repo.get(id);
    if (!row || row.tenant_id !== ctx.tenant.id) throw new errors.UploadNotFound(id);
    return row;
  }

  async #refuseExisting(ctx: RequestContext, bucket: string, key: string): Promise<void> {
    const head = await withStore(this.pool, ctx, (s) => s.headObject(ctx, bucket, key)).catch((err: { code?: string }) => {
      if (err.code === 'S3GATE_OBJECT_NOT_FOUND') return undefined;
      throw err;
    });
    if (head) throw new errors.PreconditionFailed(`object '${key}' exists and the upload asked for ifNoneMatch *`);
  }

  async #abort(ctx: RequestContext, up: TusUploadRow): Promise<void> {
    await this.multipart.abort(ctx, up.bucket, up.key, up.upload_id).catch((err: { code?: string }) => {
      if (err.code !== 'S3GATE_NO_SUCH_UPLOAD' && err.code !== 'S3GATE_BUCKET_NOT_FOUND') throw err;
    });
  }

  /**
   * Assembles the object from the recorded parts (recording s3:ObjectCreated:CompleteMultipartUpload)
   * whether or not the client still waits. When the backend no longer knows the upload, the process
   * that completed it died before saying so: the object is checked to be this upload's (its ETag is
   * that of these parts) and the event recorded then.
   */
  async #complete(client: RequestContext, up: TusUploadRow): Promise<TusUploadRow> {
    const ctx: RequestContext = { ...client, signal: AbortSignal.timeout(COMPLETE_TIMEOUT_MS) };
    const parts = await this.repo.parts(up.id);
    let etag: string;
    try {
      if (up.create_only) await this.#refuseExisting(ctx, up.bucket, up.key);
      ({ etag } = await this.multipart.complete(
        ctx,
        up.bucket,
        up.key,
        up.upload_id,
        parts.map((p) => ({ partNumber: p.part_number, etag: p.etag })),
      ));
    } catch (err) {
      if ((err as { code?: string }).code === 'S3GATE_PRECONDITION_FAILED') {
        await this.#abort(ctx, up);
        await this.repo.remove(up.id);
        throw err;
      }
      if ((err as { code?: string }).code !== 'S3GATE_NO_SUCH_UPLOAD') throw err;
      const expected = multipartEtag(parts.map((p) => p.etag));
      const head = await withStore(this.pool, ctx, (s) => s.headObject(ctx, up.bucket, up.key)).catch(() => undefined);
      if (head?.status !== 200 || head.info.etag !== expected) {
        await this.repo.remove(up.id);
        throw new errors.UploadNotFound(up.id);
      }
      etag = expected;
      await this.events.record(up.tenant_id, [{ type: 's3:ObjectCreated:CompleteMultipartUpload', bucket: up.bucket, key: up.key, size: up.size, etag, source: 'gateway' }]);
    }
    await this.repo.done(up.id, etag);
    return { ...up, state: 'done', etag, received: up.size, tail: null };
  }
}
