import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { SecretBox } from '../lib/secretbox.js';
import { contextOf, failSpan, inSpan, SpanKind } from '../lib/tracing.js';
import { toEvent } from '../store/events.js';
import { newId } from '../lib/ids.js';
import type { Database, DeliveryRow, EventRow, WebhookRow } from '../store/schema.js';
import type { SendResult } from './sender.js';
import type { Destinations } from './destinations/index.js';

/** Outcomes written per transaction at most. */
const RESULTS_PER_TRANSACTION = 1000;
/** Rows per statement (SQLite allows 32,766 bound values; an attempt has 7). */
const ROWS_PER_STATEMENT = 200;

const OPEN = sql<boolean>`status in ('pending', 'failed')`;

/** Under load, outcomes are written at most once per this many ms (see #writeResults). */
const GATHER_MS = 5;

/**
 * Claiming ahead. Each subscription's claimed work covers AHEAD_MS of sending at the pace its endpoint
 * has answered lately, so a claim's round trips (milliseconds on PostgreSQL) overlap the sending instead
 * of stalling it: at least MIN_ROUNDS rounds of endpointConcurrency deliveries (a subscription whose pace
 * is unknown, or slow), at most MAX_AHEAD deliveries (a fast one). A process holds at most
 * concurrency × CAPACITY_ROUNDS claimed deliveries in all, and never fewer than ISOLATION subscriptions
 * at their deepest: as it takes 16 slow endpoints (64 slots, 4 each) to hold every slot, it takes 16
 * subscriptions claimed deep whose endpoints then turn slow (their claims wait out the lease) to hold
 * the whole claiming capacity.
 */
const AHEAD_MS = 1000;
const MIN_ROUNDS = 4;
const MAX_AHEAD = 256;
const CAPACITY_ROUNDS = 16;
const ISOLATION = 16;
/** Paces kept, of the subscriptions sent to most recently (one forgotten claims MIN_ROUNDS again). */
const PACES_KEPT = 10_000;

/** The secrets a subscription signs with now: the current one, and the previous one for 24 h after a rotation. */
export function signingSecrets(box: SecretBox, hook: Pick<WebhookRow, 'secret' | 'previous_secret' | 'previous_secret_until'>, now = new Date()): string[] {
  const secrets = [box.open(hook.secret)];
  if (hook.previous_secret && hook.previous_secret_until && hook.previous_secret_until > now.toISOString()) secrets.push(box.open(hook.previous_secret));
  return secrets;
}

/**
 * Drains the outbox: finds due deliveries, claims each with a conditional UPDATE (so several processes
 * on one PostgreSQL database never attempt one delivery at once, and a process that dies mid-delivery
 * loses its claim when the lease runs out), and sends them with bounded concurrency in total and per
 * subscription, so a slow endpoint only holds its own slots.
 */
export class Dispatcher {
  readonly #db: Kysely<Database>;
  readonly #box: SecretBox;
  readonly #destinations: Destinations;
  readonly #cfg: Config['webhooks'];
  readonly #log: FastifyBaseLogger;
  readonly #owner = randomBytes(6).toString('hex');
  readonly #perHook = new Map<string, number>();
  /** Each busy subscription's recent attempt duration (ms, moving average): its pace. */
  readonly #pace = new Map<string, number>();
  readonly #inFlight = new Set<Promise<void>>();
  /** Claimed deliveries not started yet, per subscription. */
  readonly #waiting = new Map<string, { delivery: DeliveryRow; hook: WebhookRow | undefined; event: EventRow | undefined }[]>();
  #queued = 0;
  /** Attempts sent and waiting to be written, in one transaction per batch. */
  #results: { d: DeliveryRow; hook: WebhookRow; r: SendResult }[] = [];
  #writing: Promise<void> | undefined;
  #lastWrite = -Infinity;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #again = false;
  /** A subscription ran low on claimed work while a cycle was running (see #refill). */
  #lowMeanwhile = false;
  #closed = false;

  readonly #tenantExists: (tenantId: string) => Promise<boolean>;
  readonly #onOutcome: (delivery: DeliveryRow, ok: boolean, attemptMs: number) => void;

  constructor(opts: {
    db: Kysely<Database>;
    box: SecretBox;
    destinations: Destinations;
    config: Config['webhooks'];
    log: FastifyBaseLogger;
    /** Whether a tenant still exists (cached like every tenant lookup): a deleted tenant's claimed deliveries are never sent. */
    tenantExists: (tenantId: string) => Promise<boolean>;
    /** Each attempt's outcome as it ends (the stats), before it is written. */
    onOutcome?: (delivery: DeliveryRow, ok: boolean, attemptMs: number) => void;
  }) {
    this.#onOutcome = opts.onOutcome ?? (() => {});
    this.#tenantExists = opts.tenantExists;
    this.#db = opts.db;
    this.#box = opts.box;
    this.#destinations = opts.destinations;
    this.#cfg = opts.config;
    this.#log = opts.log;
  }

  start(): void {
    this.#timer = setInterval(() => this.wake(), this.#cfg.pollMs);
    this.#timer.unref();
    this.wake();
  }

  /**
   * A subscription has sent half of the work it holds claimed here: claim more, unless a cycle is
   * running, which then looks again when it ends only if a subscription is still low. (Every
   * delivery that ends meanwhile asks; a second cycle for each would search again for subscriptions
   * the first one just filled, and skip their rows one by one.)
   */
  #refill(): void {
    if (this.#running) this.#lowMeanwhile = true;
    else this.wake();
  }

  /** Some subscription here is low (see #low). */
  #wantsMore(): boolean {
    for (const id of new Set([...this.#perHook.keys(), ...this.#waiting.keys()])) if (this.#low(id)) return true;
    return false;
  }

  /** A subscription holds half its share of claimed work or less: it is topped up (see AHEAD_MS). */
  #low(hookId: string): boolean {
    return this.#held(hookId) <= this.#ahead(hookId) / 2;
  }

  /** Looks for due deliveries now (called when events are recorded). */
  wake(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    this.#cycle()
      .catch((err) => this.#log.error({ err }, 'webhook dispatcher cycle failed'))
      .finally(() => {
        this.#running = false;
        if (this.#again) {
          this.#again = false;
          this.wake();
        } else if (this.#lowMeanwhile) {
          this.#lowMeanwhile = false;
          if (this.#wantsMore()) this.wake();
        }
      });
  }

  /** Stops claiming; releases claims not started (another process may take them at once); waits for the rest. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    const unstarted = [...this.#waiting.values()].flat().map((w) => w.delivery.id);
    this.#waiting.clear();
    this.#queued = 0;
    if (unstarted.length > 0) {
      await this.#db
        .updateTable('deliveries')
        .set({ locked_until: null, locked_by: null })
        .where('id', 'in', unstarted)
        .where('locked_by', '=', this.#owner)
        .execute()
        .catch(() => {});
    }
    await Promise.allSettled([...this.#inFlight]);
    while (this.#writing) await this.#writing;
  }

  async #cycle(): Promise<void> {
    // Claim ahead (see AHEAD_MS), so a freed slot takes its next delivery from memory instead of a
    // query round trip per delivery.
    const capacity = Math.max(this.#cfg.concurrency * CAPACITY_ROUNDS, ISOLATION * MAX_AHEAD);
    for (;;) {
      const room = capacity - this.#inFlight.size - this.#queued;
      if (room <= 0 || this.#closed) return;
      const now = new Date().toISOString();
      // Subscriptions holding more than half their share are left out of the search (they are topped
      // up once they are down to half, so claims come in batches of half a share at least): their due
      // rows would only be skipped below, and a search that finds nothing else to claim is a wasted query.
      const full = [...this.#waiting.keys(), ...this.#perHook.keys()].filter((id) => !this.#low(id));
      let query = this.#db
        .selectFrom('deliveries')
        .select(['id', 'webhook_id'])
        // A literal, so the planner can prove the partial index deliveries_open applies.
        .where(OPEN)
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]));
      if (full.length > 0) query = query.where('webhook_id', 'not in', [...new Set(full)]);
      // No more rows than one claim may take: a search's cost is the rows it returns.
      const limit = Math.min(room, Math.max(MAX_AHEAD, this.#cfg.endpointConcurrency * MIN_ROUNDS));
      const due = await query.orderBy('next_attempt_at').limit(limit).execute();
      const taking = new Map<string, number>();
      const chosen: string[] = [];
      for (const d of due) {
        const held = this.#held(d.webhook_id) + (taking.get(d.webhook_id) ?? 0);
        if (held >= this.#ahead(d.webhook_id)) continue;
        taking.set(d.webhook_id, (taking.get(d.webhook_id) ?? 0) + 1);
        chosen.push(d.id);
      }
      if (chosen.length === 0) return;
      // The lease: MIN_ROUNDS + 1 attempts at the full timeout. Past it, the claim of a process that died is
      // free for another. A claimed delivery is started only while its lease still covers a whole
      // attempt (#pump), so work claimed ahead for a fast endpoint that turns slow is never sent after
      // its lease: it is left to the next claim. The conditional UPDATE is the claim: a row another
      // process took in between is not returned.
      const lease = new Date(Date.now() + (MIN_ROUNDS + 1) * this.#attemptMs()).toISOString();
      const claimed = await this.#db
        .updateTable('deliveries')
        .set({ locked_until: lease, locked_by: this.#owner })
        .where('id', 'in', chosen)
        .where('status', 'in', ['pending', 'failed'])
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
        .returningAll()
        .execute();
      if (claimed.length === 0) return;
      const deliveries = claimed.sort((a, b) => (a.next_attempt_at ?? '').localeCompare(b.next_attempt_at ?? ''));
      const hooks = new Map(
        (
          await this.#db
            .selectFrom('webhooks')
            .selectAll()
            .where('id', 'in', [...new Set(deliveries.map((d) => d.webhook_id))])
            .execute()
        ).map((h) => [h.id, h]),
      );
      const events = new Map(
        (
          await this.#db
            .selectFrom('events')
            .selectAll()
            .where(
              'id',
              'in',
              deliveries.map((d) => d.event_id),
            )
            .execute()
        ).map((e) => [e.id, e]),
      );
      for (const d of deliveries) {
        const queue = this.#waiting.get(d.webhook_id) ?? [];
        queue.push({ delivery: d, hook: hooks.get(d.webhook_id), event: events.get(d.event_id) });
        this.#waiting.set(d.webhook_id, queue);
        this.#queued++;
      }
      this.#pump();
      // Search again only if this one stopped at its limit and a subscription it found can still take
      // more. Otherwise it saw every due row (or every subscription it found is full now): another
      // search would find nothing, and a search skipping the rows of full subscriptions costs as much
      // as one that claims. Subscriptions beyond the limit are found by the next wake (a refill, an
      // event, the poll).
      if (due.length < limit || due.every((d) => !this.#low(d.webhook_id))) return;
    }
  }

  /** The longest an attempt may take (it is aborted at the timeout), and a second for clocks. */
  #attemptMs(): number {
    return this.#cfg.timeoutMs + 1000;
  }

  /** How many deliveries of a subscription to hold claimed here (in flight and waiting): see AHEAD_MS. */
  #ahead(hookId: string): number {
    const c = this.#cfg.endpointConcurrency;
    const pace = this.#pace.get(hookId);
    const rounds = pace === undefined ? MIN_ROUNDS : Math.max(MIN_ROUNDS, AHEAD_MS / Math.max(pace, 1));
    return Math.max(c * MIN_ROUNDS, Math.min(MAX_AHEAD, Math.floor(c * rounds)));
  }

  /** Deliveries of a subscription in flight or claimed and waiting here. */
  #held(hookId: string): number {
    return (this.#perHook.get(hookId) ?? 0) + (this.#waiting.get(hookId)?.length ?? 0);
  }

  /** Starts queued deliveries while the total and per-subscription bounds allow. */
  #pump(): void {
    for (const [hookId, queue] of this.#waiting) {
      while (queue.length > 0 && this.#inFlight.size < this.#cfg.concurrency && (this.#perHook.get(hookId) ?? 0) < this.#cfg.endpointConcurrency) {
        const { delivery: d, hook, event } = queue.shift()!;
        this.#queued--;
        // Its lease no longer covers a whole attempt: another process may claim it before this one
        // would end. Not sent; the row is left to the next claim, here or elsewhere.
        if (Date.parse(d.locked_until!) < Date.now() + this.#attemptMs()) continue;
        this.#perHook.set(hookId, (this.#perHook.get(hookId) ?? 0) + 1);
        const job: Promise<void> = this.#attempt(d, hook, event)
          .catch((err) => this.#log.error({ err, delivery: d.id }, 'webhook delivery failed unexpectedly'))
          .finally(() => {
            this.#inFlight.delete(job);
            const n = (this.#perHook.get(hookId) ?? 1) - 1;
            if (n <= 0) this.#perHook.delete(hookId);
            else this.#perHook.set(hookId, n);
            this.#pump();
            // Refill once half of this subscription's claimed work is sent (not after every delivery:
            // a cycle is a few queries with long id lists), so the next claim's round trips overlap
            // the sending of the other half (on PostgreSQL the dispatcher sat idle half the time).
            if (this.#low(hookId)) this.#refill();
          });
        this.#inFlight.add(job);
      }
      if (queue.length === 0) this.#waiting.delete(hookId);
    }
  }

  async #attempt(d: DeliveryRow, hook: WebhookRow | undefined, event: EventRow | undefined): Promise<void> {
    // Claimed (in memory, here or in another process) before its tenant was deleted: the rows are gone
    // with the tenant, and nothing is sent.
    if (!(await this.#tenantExists(d.tenant_id))) return;
    if (!hook?.enabled || !event) {
      const why = !hook ? 'the subscription was deleted' : !event ? 'the event is past its retention' : `the subscription is disabled: ${hook.disabled_reason ?? 'by request'}`;
      await this.#finishDead(d, why);
      return;
    }
    // A span per attempt, in the trace of the write that recorded the event (the sender passes it on
    // to the endpoint as traceparent).
    const attributes = {
      's3gate.tenant': d.tenant_id,
      's3gate.webhook.id': hook.id,
      's3gate.delivery.id': d.id,
      's3gate.event.id': event.id,
      's3gate.delivery.attempt': d.attempts + 1,
      's3gate.destination.kind': hook.kind,
      ...(hook.kind === 'webhook' && { 'http.request.method': 'POST' }),
      'server.address': new URL(hook.url).hostname,
    };
    const result = await inSpan('webhook.deliver', { kind: SpanKind.CLIENT, parent: contextOf(event.trace_parent), attributes }, async (span) => {
      const r = await this.#destinations.send(hook, signingSecrets(this.#box, hook), toEvent(event));
      if (r.status !== null) span.setAttribute('http.response.status_code', r.status);
      if (!r.ok) failSpan(span, new Error(r.error ?? 'failed'), r.status === null ? 'network' : String(r.status));
      return r;
    });
    // Moved to the end of the map's order, so the first entry is the one least recently sent to.
    const pace = this.#pace.get(hook.id);
    this.#pace.delete(hook.id);
    this.#pace.set(hook.id, pace === undefined ? result.durationMs : 0.8 * pace + 0.2 * result.durationMs);
    if (this.#pace.size > PACES_KEPT) this.#pace.delete(this.#pace.keys().next().value!);
    // The endpoint's slot is free once it answered; the outcome is written with others in one
    // transaction. Until it is, the claim holds: a process that dies here sends it again after the lease.
    this.#onOutcome(d, result.ok, result.durationMs);
    this.#results.push({ d, hook, r: result });
    this.#writing ??= this.#writeResults();
  }

  /**
   * Writes the outcomes of the attempts that ended since the last write, a batch per transaction: one
   * insert of their attempts and one update per distinct outcome (a burst's deliveries mostly share one).
   * Written one by one, two statements per delivery took a third of the dispatcher's time in a profile.
   */
  async #writeResults(): Promise<void> {
    // A commit costs more than the rows it writes, so outcomes go together: the first after a quiet
    // spell is written at once (a caller that reads the delivery log when its endpoint has answered
    // finds the delivery there), and under load each write waits until GATHER_MS after the one
    // before, taking every outcome that ended meanwhile. The log lags a burst by a few ms at most.
    const wait = GATHER_MS - (performance.now() - this.#lastWrite);
    await new Promise((r) => (wait > 0 ? setTimeout(r, wait) : setImmediate(r)));
    this.#lastWrite = performance.now();
    try {
      while (this.#results.length > 0) {
        const batch = this.#results.splice(0, RESULTS_PER_TRANSACTION);
        try {
          await this.#db.transaction().execute((trx) => this.#record(trx, batch));
        } catch (err) {
          // Unwritten, the claims run out and these deliveries are sent again: at least once.
          this.#log.error({ err, deliveries: batch.map((b) => b.d.id) }, 'writing webhook delivery outcomes failed; they will be attempted again');
        }
      }
    } finally {
      this.#writing = undefined;
    }
  }

  async #record(trx: Kysely<Database>, batch: { d: DeliveryRow; hook: WebhookRow; r: SendResult }[]): Promise<void> {
    const now = new Date();
    const at = now.toISOString();
    const attempts = batch.map(({ d, r }) => ({ id: newId('att'), delivery_id: d.id, at, status_code: r.status, duration_ms: r.durationMs, error: r.error, response_excerpt: r.excerpt }));
    for (let i = 0; i < attempts.length; i += ROWS_PER_STATEMENT)
      await trx
        .insertInto('delivery_attempts')
        .values(attempts.slice(i, i + ROWS_PER_STATEMENT))
        .execute();
    const updates = new Map<string, { set: Partial<DeliveryRow>; ids: string[] }>();
    const finish = (d: DeliveryRow, status: DeliveryRow['status'], set: Partial<DeliveryRow>) => {
      const row = { ...set, status, locked_until: null, locked_by: null, updated_at: at, ...(status !== 'failed' && { next_attempt_at: null }) };
      const key = JSON.stringify(row);
      const u = updates.get(key) ?? { set: row, ids: [] };
      u.ids.push(d.id);
      updates.set(key, u);
    };
    const recovered = new Set<string>();
    const failing = new Map<string, string>();
    for (const { d, hook, r } of batch) {
      const common = { attempts: d.attempts + 1, last_status: r.status, last_error: r.error };
      if (r.ok) {
        finish(d, 'delivered', common);
        if (hook.failing_since) recovered.add(hook.id);
        continue;
      }
      if (r.status === 410) {
        await this.#disable(trx, hook, 'the endpoint answered 410 Gone');
        finish(d, 'dead', common);
        continue;
      }
      const failingSince = hook.failing_since ?? failing.get(hook.id) ?? at;
      if (!hook.failing_since) failing.set(hook.id, failingSince);
      if (now.getTime() - Date.parse(failingSince) > this.#cfg.disableAfterMs) {
        await this.#disable(trx, hook, `no successful delivery since ${failingSince}`);
        finish(d, 'dead', common);
        continue;
      }
      const schedule = this.#cfg.retrySchedule;
      if (common.attempts > schedule.length) {
        finish(d, 'dead', common);
        continue;
      }
      // ±20% jitter spreads retries of many deliveries; Retry-After is a floor.
      const delay = Math.max(schedule[common.attempts - 1] * (0.8 + Math.random() * 0.4), r.retryAfterMs ?? 0);
      finish(d, 'failed', { ...common, next_attempt_at: new Date(now.getTime() + delay).toISOString() });
    }
    for (const { set, ids } of updates.values()) {
      for (let i = 0; i < ids.length; i += ROWS_PER_STATEMENT)
        await trx
          .updateTable('deliveries')
          .set(set)
          .where('id', 'in', ids.slice(i, i + ROWS_PER_STATEMENT))
          .execute();
    }
    // A success clears a subscription's failing streak; a failure starts one (unless one has started).
    for (const id of recovered) if (!failing.has(id)) await trx.updateTable('webhooks').set({ failing_since: null }).where('id', '=', id).execute();
    for (const [id, since] of failing) if (!recovered.has(id)) await trx.updateTable('webhooks').set({ failing_since: since }).where('id', '=', id).where('failing_since', 'is', null).execute();
  }

  async #finishDead(d: DeliveryRow, why: string): Promise<void> {
    await this.#db
      .updateTable('deliveries')
      .set({ status: 'dead', last_error: why, locked_until: null, locked_by: null, updated_at: new Date().toISOString(), next_attempt_at: null })
      .where('id', '=', d.id)
      .execute();
  }

  async #disable(trx: Kysely<Database>, hook: WebhookRow, reason: string): Promise<void> {
    this.#log.warn({ webhook: hook.id, tenant: hook.tenant_id, reason }, 'webhook subscription disabled');
    await trx.updateTable('webhooks').set({ enabled: 0, disabled_reason: reason, updated_at: new Date().toISOString() }).where('id', '=', hook.id).execute();
  }
}
