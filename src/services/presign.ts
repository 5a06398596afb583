import { randomBytes } from 'node:crypto';
import { errors } from '../errors.js';
import type { SignedRequest, UrlSigner } from '../lib/url-signer.js';
import type { RequestContext } from '../model/context.js';
import { validateBucketName, validateContentType, validateKey } from '../model/names.js';
import type { PresignRequest, PresignResult } from '../model/object-store.js';
import type { ResolvedTenant } from '../model/tenant.js';
import type { TenantPool } from '../s3/client-pool.js';
import { withStore } from './context.js';
import type { TenantService } from './tenants.js';

export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

export type PresignMethod = SignedRequest['method'];

export interface Presigned {
  url: string;
  method: PresignMethod;
  expiresAt: string;
  headers: Record<string, string>;
}

/** What a URL signed by the gateway (not by a backend) grants, as its query string carries it; the tenant's creation time is the signer's to add. */
export type Grant = Omit<SignedRequest, 'tenantCreatedAt'>;

/**
 * Presigned URLs, both ways: signed here for every face (REST, GraphQL, the CLI through REST) and
 * checked here for the gateway's own (disk-driver objects and tus uploads), so the rules that make a
 * URL (its lifetime, its tenant's creation time, a tus creation URL's nonce) and the rules that open
 * it stay side by side.
 */
export class PresignService {
  constructor(
    private readonly pool: TenantPool,
    private readonly signer: UrlSigner,
    private readonly tenants: Pick<TenantService, 'resolve'>,
  ) {}

  /** GET and PUT: the backend's presigned URL (the gateway's own on the disk driver); TUS: a tus creation URL of the gateway. */
  async presign(ctx: RequestContext, req: { bucket: string; key: string; method: PresignMethod; expiresIn: number; contentType?: string }): Promise<Presigned> {
    validateBucketName(req.bucket);
    validateKey(req.key);
    validateContentType(req.contentType);
    if (!Number.isInteger(req.expiresIn) || req.expiresIn < 1 || req.expiresIn > MAX_PRESIGN_SECONDS) {
      throw new errors.Validation(`expiresIn must be a whole number of seconds from 1 to ${MAX_PRESIGN_SECONDS} (7 days); got ${req.expiresIn}`);
    }
    if (req.method === 'TUS') return this.#tusCreation(ctx, req);
    const expiresAt = new Date(Date.now() + req.expiresIn * 1000).toISOString();
    const out = await withStore(this.pool, ctx, (s) => s.presign(ctx, { ...req, method: req.method as 'GET' | 'PUT' }));
    return { url: out.url, method: req.method, expiresAt, headers: out.headers };
  }

  /**
   * A URL that creates one resumable upload of bucket/key (POST, tus creation) without an API key,
   * until it expires; the upload it creates gets an upload URL signed for it alone. Its random nonce
   * names it: the upload it creates is recorded under it, so it never creates a second one.
   */
  #tusCreation(ctx: RequestContext, req: { bucket: string; key: string; expiresIn: number; contentType?: string }): Presigned {
    const expires = Math.floor(Date.now() / 1000) + req.expiresIn;
    const nonce = randomBytes(16).toString('base64url');
    const url = this.signer.sign(ctx.origin, {
      tenant: ctx.tenant.id,
      tenantCreatedAt: ctx.tenant.createdAt,
      method: 'TUS',
      bucket: req.bucket,
      key: req.key,
      expires,
      contentType: req.contentType,
      nonce,
    });
    return { url, method: 'TUS', expiresAt: new Date(expires * 1000).toISOString(), headers: { 'tus-resumable': '1.0.0' } };
  }

  /**
   * The tenant a URL signed by the gateway acts for, once its signature, expiry and tenant hold
   * (a URL of a deleted tenant opens nothing, even for a new tenant of the same id); PresignInvalid
   * saying why otherwise.
   */
  async verify(grant: Grant, signature: string | undefined): Promise<ResolvedTenant> {
    const tenant = await this.tenants.resolve(grant.tenant).catch(() => {
      throw new errors.PresignInvalid('its tenant no longer exists');
    });
    const why = this.signer.check({ ...grant, tenant: tenant.id, tenantCreatedAt: tenant.createdAt }, signature ?? '');
    if (why) throw new errors.PresignInvalid(why);
    return tenant;
  }
}

/** How the disk driver presigns for a tenant: the gateway's own URL under /v1/presigned, checked by PresignService.verify. */
export function diskPresigner(signer: UrlSigner, tenant: ResolvedTenant): (origin: string, req: PresignRequest) => PresignResult {
  return (origin, req) => ({
    url: signer.sign(origin, {
      tenant: tenant.id,
      tenantCreatedAt: tenant.createdAt,
      method: req.method,
      bucket: req.bucket,
      key: req.key,
      contentType: req.contentType,
      expires: Math.floor(Date.now() / 1000) + req.expiresIn,
    }),
    headers: req.method === 'PUT' && req.contentType ? { 'content-type': req.contentType } : ({} as Record<string, string>),
  });
}
