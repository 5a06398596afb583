import type { Kysely } from 'kysely';
import { isoTime } from '../model/names.js';
import { errors } from '../errors.js';
import { signingSecrets } from '../events/dispatcher.js';
import type { SendResult, WebhookSender } from '../events/sender.js';
import { newWebhookSecret } from '../events/signer.js';
import { urlProblem } from '../events/ssrf.js';
import type { SecretBox } from '../lib/secretbox.js';
import type { Database, DeliveryAttemptRow, DeliveryRow, WebhookRow } from '../store/schema.js';
import { pendingDelivery } from '../store/events.js';
import { newId } from '../lib/ids.js';
import { filterMatches, typeMatches, validatePatterns, type EventFilter, type EventType } from '../model/event.js';
import type { Delivery, DeliveryAttempt as Attempt, Webhook } from '../model/webhook.js';
import type { WebhookInput } from '../schema/webhooks.js';

/** Secrets stay valid this long after a rotation: both signatures are sent meanwhile. */
const ROTATION_OVERLAP_MS = 24 * 3600 * 1000;

function toWebhook(r: WebhookRow): Webhook {
  return {
    id: r.id,
    url: r.url,
    events: JSON.parse(r.events) as string[],
    filter: JSON.parse(r.filter) as EventFilter,
    description: r.description,
    enabled: Boolean(r.enabled),
    disabledReason: r.disabled_reason,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toDelivery(r: DeliveryRow & { type: string }): Delivery {
  return {
    id: r.id,
    eventId: r.event_id,
    type: r.type,
    status: r.status,
    attempts: r.attempts,
    lastStatus: r.last_status,
    lastError: r.last_error,
    nextAttemptAt: r.next_attempt_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const toAttempt = (a: DeliveryAttemptRow): Attempt => ({ at: a.at, statusCode: a.status_code, durationMs: a.duration_ms, error: a.error, responseExcerpt: a.response_excerpt });

/** A tenant's webhook subscriptions, their secrets and their delivery log. */
/** Events read per query by a replay. */
const REPLAY_PAGE = 1000;

export class WebhookService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly box: SecretBox,
    private readonly sender: WebhookSender,
    private readonly opts: { allowPrivate: boolean; wake: () => void },
  ) {}

  async #checkUrl(url: string) {
    const why = await urlProblem(url, this.opts.allowPrivate);
    if (why) throw new errors.InvalidWebhookUrl(url, why);
  }

  async #row(tenantId: string, id: string): Promise<WebhookRow> {
    const row = await this.db.selectFrom('webhooks').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    if (!row) throw new errors.WebhookNotFound(id);
    return row;
  }

  async create(tenantId: string, input: WebhookInput): Promise<Webhook & { secret: string }> {
    await this.#checkUrl(input.url);
    validatePatterns(input.events);
    const secret = newWebhookSecret();
    const now = new Date().toISOString();
    const row: WebhookRow = {
      id: newId('wh'),
      tenant_id: tenantId,
      url: input.url,
      events: JSON.stringify(input.events),
      filter: JSON.stringify(input.filter ?? {}),
      description: input.description ?? null,
      enabled: 1,
      disabled_reason: null,
      secret: this.box.seal(secret),
      previous_secret: null,
      previous_secret_until: null,
      failing_since: null,
      created_at: now,
      updated_at: now,
    };
    await this.db.insertInto('webhooks').values(row).execute();
    return { ...toWebhook(row), secret };
  }

  async list(tenantId: string): Promise<Webhook[]> {
    return (await this.db.selectFrom('webhooks').selectAll().where('tenant_id', '=', tenantId).orderBy('id').execute()).map(toWebhook);
  }

  /** One page of the tenant's subscriptions, in id order; nextCursor is the last id when more follow. */
  async page(tenantId: string, q: { cursor?: string; limit: number }): Promise<{ webhooks: Webhook[]; nextCursor: string | null }> {
    let query = this.db.selectFrom('webhooks').selectAll().where('tenant_id', '=', tenantId);
    if (q.cursor) query = query.where('id', '>', q.cursor);
    const rows = await query
      .orderBy('id')
      .limit(q.limit + 1)
      .execute();
    const page = rows.slice(0, q.limit).map(toWebhook);
    return { webhooks: page, nextCursor: rows.length > q.limit ? page[page.length - 1].id : null };
  }

  async get(tenantId: string, id: string): Promise<Webhook> {
    return toWebhook(await this.#row(tenantId, id));
  }

  async update(tenantId: string, id: string, patch: Partial<WebhookInput> & { enabled?: boolean }): Promise<Webhook> {
    await this.#row(tenantId, id);
    if (patch.url !== undefined) await this.#checkUrl(patch.url);
    if (patch.events !== undefined) validatePatterns(patch.events);
    await this.db
      .updateTable('webhooks')
      .set({
        ...(patch.url !== undefined && { url: patch.url }),
        ...(patch.events !== undefined && { events: JSON.stringify(patch.events) }),
        ...(patch.filter !== undefined && { filter: JSON.stringify(patch.filter) }),
        ...(patch.description !== undefined && { description: patch.description }),
        // Enabling again clears the reason and the failure streak.
        ...(patch.enabled !== undefined && { enabled: patch.enabled ? 1 : 0, disabled_reason: patch.enabled ? null : 'disabled by request', failing_since: null }),
        updated_at: new Date().toISOString(),
      })
      .where('id', '=', id)
      .execute();
    return this.get(tenantId, id);
  }

  /** Deletes the subscription and drops its pending deliveries. */
  async delete(tenantId: string, id: string): Promise<void> {
    await this.#row(tenantId, id);
    await this.db.transaction().execute(async (trx) => {
      const ids = trx.selectFrom('deliveries').select('id').where('webhook_id', '=', id);
      await trx.deleteFrom('delivery_attempts').where('delivery_id', 'in', ids).execute();
      await trx.deleteFrom('deliveries').where('webhook_id', '=', id).execute();
      await trx.deleteFrom('webhooks').where('id', '=', id).execute();
    });
  }

  /** A new secret; the old one keeps signing (beside the new) for 24 h, so receivers can switch. */
  async rotateSecret(tenantId: string, id: string): Promise<Webhook & { secret: string }> {
    const row = await this.#row(tenantId, id);
    const secret = newWebhookSecret();
    await this.db
      .updateTable('webhooks')
      .set({ secret: this.box.seal(secret), previous_secret: row.secret, previous_secret_until: new Date(Date.now() + ROTATION_OVERLAP_MS).toISOString(), updated_at: new Date().toISOString() })
      .where('id', '=', id)
      .execute();
    return { ...(await this.get(tenantId, id)), secret };
  }

  /** Sends a test event now (not stored, not retried) and tells how the endpoint answered. */
  async test(tenantId: string, id: string): Promise<SendResult & { eventId: string }> {
    const row = await this.#row(tenantId, id);
    const eventId = newId('evt');
    const event = {
      id: eventId,
      type: 's3:TestEvent',
      timestamp: new Date().toISOString(),
      data: { tenant: tenantId, bucket: '', key: '', size: null, etag: null, versionId: null, sequencer: null, source: 'gateway' },
    };
    return { ...(await this.sender.send(row.url, signingSecrets(this.box, row), eventId, JSON.stringify(event))), eventId };
  }

  async deliveries(tenantId: string, id: string, q: { status?: DeliveryRow['status']; cursor?: string; limit: number }): Promise<{ deliveries: Delivery[]; nextCursor: string | null }> {
    await this.#row(tenantId, id);
    let query = this.db.selectFrom('deliveries').innerJoin('events', 'events.id', 'deliveries.event_id').selectAll('deliveries').select('events.type').where('deliveries.webhook_id', '=', id);
    if (q.status) query = query.where('deliveries.status', '=', q.status);
    if (q.cursor) query = query.where('deliveries.id', '>', q.cursor);
    const rows = await query
      .orderBy('deliveries.id')
      .limit(q.limit + 1)
      .execute();
    const page = rows.slice(0, q.limit);
    return { deliveries: page.map(toDelivery), nextCursor: rows.length > q.limit ? page[page.length - 1].id : null };
  }

  async delivery(tenantId: string, id: string, deliveryId: string): Promise<Delivery & { attemptLog: Attempt[] }> {
    await this.#row(tenantId, id);
    const row = await this.db
      .selectFrom('deliveries')
      .innerJoin('events', 'events.id', 'deliveries.event_id')
      .selectAll('deliveries')
      .select('events.type')
      .where('deliveries.webhook_id', '=', id)
      .where('deliveries.id', '=', deliveryId)
      .executeTakeFirst();
    if (!row) throw new errors.DeliveryNotFound(deliveryId);
    const attempts = await this.db.selectFrom('delivery_attempts').selectAll().where('delivery_id', '=', deliveryId).orderBy('id').execute();
    return { ...toDelivery(row), attemptLog: attempts.map(toAttempt) };
  }

  /** Puts a delivery back in the queue, due now, whatever its state. */
  async retry(tenantId: string, id: string, deliveryId: string): Promise<void> {
    await this.delivery(tenantId, id, deliveryId);
    await this.db
      .updateTable('deliveries')
      .set({ status: 'pending', next_attempt_at: new Date().toISOString(), locked_until: null, locked_by: null, updated_at: new Date().toISOString() })
      .where('id', '=', deliveryId)
      .execute();
    this.opts.wake();
  }

  /** Queues again every logged event in [since, until) that this subscription matches. */
  async replay(tenantId: string, id: string, since: string, until?: string): Promise<number> {
    const row = await this.#row(tenantId, id);
    const patterns = JSON.parse(row.events) as string[];
    const filter = JSON.parse(row.filter) as EventFilter;
    const from = isoTime(since, 'since');
    const to = until === undefined ? undefined : isoTime(until, 'until');
    const now = new Date().toISOString();
    // A page of events at a time: a replay of a long window never holds the whole log in memory.
    let queued = 0;
    for (let cursor = ''; ; ) {
      let query = this.db.selectFrom('events').selectAll().where('tenant_id', '=', tenantId).where('created_at', '>=', from).where('id', '>', cursor);
      if (to) query = query.where('created_at', '<', to);
      const page = await query.orderBy('id').limit(REPLAY_PAGE).execute();
      if (page.length === 0) break;
      cursor = page[page.length - 1].id;
      const events = page.filter((e) => typeMatches(patterns, e.type as EventType) && filterMatches(filter, e));
      for (let i = 0; i < events.length; i += 500) {
        await this.db
          .insertInto('deliveries')
          .values(events.slice(i, i + 500).map((e) => pendingDelivery(id, tenantId, e.id, now)))
          .execute();
      }
      queued += events.length;
      if (page.length < REPLAY_PAGE) break;
    }
    this.opts.wake();
    return queued;
  }
}
