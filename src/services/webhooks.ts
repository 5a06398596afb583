import type { Kysely } from 'kysely';
import { isoTime } from '../model/names.js';
import { errors } from '../errors.js';
import { signingSecrets } from '../events/dispatcher.js';
import type { SendResult } from '../events/sender.js';
import type { Destinations } from '../events/destinations/index.js';
import { checkDestination, DESTINATION_SCHEMES, kindOfScheme, type Destination, type DestinationInput, type DestinationKind, type DestinationSecrets, type EventFormat } from '../model/destination.js';
import { newWebhookSecret } from '../events/signer.js';
import { urlProblem } from '../events/ssrf.js';
import type { SecretBox } from '../lib/secretbox.js';
import type { Database, DeliveryAttemptRow, DeliveryRow, WebhookRow } from '../store/schema.js';
import { pendingDelivery } from '../store/events.js';
import { newId } from '../lib/ids.js';
import { filterMatches, typeMatches, validatePatterns, type EventFilter, type EventType, type ObjectEvent } from '../model/event.js';
import type { Delivery, DeliveryAttempt as Attempt, Webhook } from '../model/webhook.js';
import type { WebhookInput } from '../schema/webhooks.js';

/** Open deliveries counted at most by pending(). */
const PENDING_COUNTED = 100_000;

/** A URL as it may be repeated in an answer: without its password. */
function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.slice(0, 200);
  }
}

/** Secrets stay valid this long after a rotation: both signatures are sent meanwhile. */
const ROTATION_OVERLAP_MS = 24 * 3600 * 1000;

function toWebhook(r: WebhookRow): Webhook {
  return {
    id: r.id,
    kind: r.kind as DestinationKind,
    url: r.url,
    events: JSON.parse(r.events) as string[],
    filter: JSON.parse(r.filter) as EventFilter,
    format: r.format as EventFormat,
    destination: JSON.parse(r.destination) as Destination,
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
    private readonly destinations: Destinations,
    private readonly opts: { allowPrivate: boolean; wake: () => void },
  ) {}

  async #checkUrl(url: string) {
    const why = await urlProblem(url, this.opts.allowPrivate, DESTINATION_SCHEMES);
    if (why) throw new errors.InvalidWebhookUrl(redacted(url), why);
  }

  /**
   * A destination as stored: its kind from the URL's scheme, the URL without its password, the settings
   * checked against the kind, and the secrets (from the URL or the settings) sealed. `kept` are the
   * secrets of the row being changed, kept when none are given.
   */
  async #destination(
    url: string,
    kind: DestinationKind | undefined,
    input: DestinationInput | undefined,
    kept: DestinationSecrets,
  ): Promise<Pick<WebhookRow, 'kind' | 'url' | 'destination' | 'credentials'>> {
    await this.#checkUrl(url);
    const u = new URL(url);
    const derived = kindOfScheme(u.protocol)!;
    if (kind !== undefined && kind !== derived) throw new errors.Validation(`kind '${kind}' does not match the URL, whose scheme ${u.protocol} makes it a ${derived} destination`);
    const { password, token, ...settings } = input ?? {};
    checkDestination(derived, { ...settings, ...(password !== undefined && { password }), ...(token !== undefined && { token }) });
    for (const server of settings.servers ?? []) await this.#checkUrl(`nats://${server}`);
    if (derived === 'webhook' && u.password) throw new errors.InvalidWebhookUrl(redacted(url), 'a webhook URL carries no password: the receiver checks the signature');
    const secrets: DestinationSecrets = {
      ...kept,
      ...(u.password && { password: decodeURIComponent(u.password) }),
      ...(password !== undefined && { password }),
      ...(token !== undefined && { token }),
    };
    u.password = '';
    return {
      kind: derived,
      url: u.toString(),
      destination: JSON.stringify(settings),
      credentials: Object.keys(secrets).length > 0 ? this.box.seal(JSON.stringify(secrets)) : null,
    };
  }

  async #row(tenantId: string, id: string): Promise<WebhookRow> {
    const row = await this.db.selectFrom('webhooks').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    if (!row) throw new errors.WebhookNotFound(id);
    return row;
  }

  async create(tenantId: string, input: WebhookInput): Promise<Webhook & { secret: string }> {
    const destination = await this.#destination(input.url, input.kind, input.destination, {});
    validatePatterns(input.events);
    const secret = newWebhookSecret();
    const now = new Date().toISOString();
    const row: WebhookRow = {
      id: newId('wh'),
      tenant_id: tenantId,
      ...destination,
      format: input.format ?? 'json',
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
    const row = await this.#row(tenantId, id);
    if (patch.events !== undefined) validatePatterns(patch.events);
    // A new URL or new settings: checked together. Secrets not given are kept while the kind stays.
    let destination: Partial<WebhookRow> = {};
    if (patch.url !== undefined || patch.destination !== undefined || patch.kind !== undefined) {
      const url = patch.url ?? row.url;
      const sameKind = kindOfScheme(new URL(url).protocol) === row.kind;
      const kept = sameKind && row.credentials ? (JSON.parse(this.box.open(row.credentials)) as DestinationSecrets) : {};
      const settings = patch.destination ?? (sameKind ? (JSON.parse(row.destination) as Destination) : undefined);
      destination = await this.#destination(url, patch.kind, settings, kept);
    }
    await this.db
      .updateTable('webhooks')
      .set({
        ...destination,
        ...(patch.format !== undefined && { format: patch.format }),
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
    return { ...(await this.destinations.send(row, signingSecrets(this.box, row), event as ObjectEvent)), eventId };
  }

  /**
   * Deliveries waiting for a first attempt or a retry now: the tenant's, or one subscription's. Counted
   * on the open deliveries' index, up to PENDING_COUNTED (a backlog past it reads as that many).
   */
  async pending(tenantId: string, webhookId?: string): Promise<number> {
    if (webhookId !== undefined) await this.#row(tenantId, webhookId);
    let open = this.db.selectFrom('deliveries').select('id').where('status', 'in', ['pending', 'failed']).where('tenant_id', '=', tenantId);
    if (webhookId !== undefined) open = open.where('webhook_id', '=', webhookId);
    const row = await this.db
      .selectFrom(open.limit(PENDING_COUNTED).as('open'))
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
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
