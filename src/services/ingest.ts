import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { errors } from '../errors.js';
import { parseNotification, subscribeUrlAllowed } from '../events/native.js';
import type { SecretBox } from '../lib/secretbox.js';
import type { Database } from '../store/schema.js';
import type { EventService } from './events.js';
import type { LimitService } from './limits.js';
import type { TenantService } from './tenants.js';
import type { ResolvedTenant } from '../model/tenant.js';

const hash = (token: string) => createHash('sha256').update(token).digest('hex');
const pathOf = (token: string) => `/ingest/s3/${token}`;

export interface IngestResult {
  accepted: number;
  duplicates: number;
  ignored: number;
  subscribed?: boolean;
}

/** Native S3 notifications: a secret URL per tenant that S3 (or SNS, or EventBridge) posts events to. */
export class IngestService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly box: SecretBox,
    private readonly events: EventService,
    private readonly tenants: TenantService,
    private readonly limits: LimitService,
    private readonly opts: { allowPrivate: boolean },
  ) {}

  /** A new ingest token for the tenant; the previous one stops working at once. */
  async rotateToken(tenantId: string): Promise<{ token: string; path: string }> {
    const token = 'ing_' + randomBytes(24).toString('base64url');
    const row = { tenant_id: tenantId, token_hash: hash(token), token_sealed: this.box.seal(token), created_at: new Date().toISOString() };
    await this.db
      .insertInto('ingest_tokens')
      .values(row)
      .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ token_hash: row.token_hash, token_sealed: row.token_sealed, created_at: row.created_at }))
      .execute();
    return { token, path: pathOf(token) };
  }

  /** The tenant's ingest path, creating a token when it has none. */
  async pathFor(tenantId: string): Promise<string> {
    const row = await this.db.selectFrom('ingest_tokens').select('token_sealed').where('tenant_id', '=', tenantId).executeTakeFirst();
    return row ? pathOf(this.box.open(row.token_sealed)) : (await this.rotateToken(tenantId)).path;
  }

  /** The tenant a token names; IngestUnauthorized (401) for any other token. */
  async tenantFor(token: string): Promise<ResolvedTenant> {
    const row = await this.db.selectFrom('ingest_tokens').select('tenant_id').where('token_hash', '=', hash(token)).executeTakeFirst();
    if (!row) throw new errors.IngestUnauthorized();
    return this.tenants.resolve(row.tenant_id).catch(() => {
      throw new errors.IngestUnauthorized();
    });
  }

  /**
   * Records the events of a notification body for the tenant its token named (tenantFor). The request
   * itself was admitted by the tenant's rate limit as one request; each record past the first counts as
   * one more, so a notification of 100 records costs what 100 writes cost (429 when over the rate,
   * nothing recorded: S3 and SNS send it again).
   */
  async ingest(tenant: ResolvedTenant, body: unknown): Promise<IngestResult> {
    const parsed = parseNotification(body);
    if (parsed.kind === 'test') return { accepted: 0, duplicates: 0, ignored: 1 };
    if (parsed.kind === 'subscribe') {
      if (!subscribeUrlAllowed(parsed.url, this.opts.allowPrivate)) throw new errors.InvalidEvent(`SubscribeURL '${parsed.url}' is not an https URL of SNS`);
      const res = await fetch(parsed.url, { redirect: 'error', signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new errors.InvalidEvent(`confirming the SNS subscription answered HTTP ${res.status}`);
      await res.body?.cancel();
      return { accepted: 0, duplicates: 0, ignored: 0, subscribed: true };
    }
    await this.limits.admit(tenant, parsed.events.length - 1);
    const recorded = await this.events.record(tenant.id, parsed.events);
    return { accepted: recorded.length, duplicates: parsed.events.length - recorded.length, ignored: parsed.ignored };
  }
}
