import { sql, type Kysely, type Transaction } from 'kysely';
import { failSpan, traceparentOf, tracer } from '../lib/tracing.js';
import { isoTime } from '../model/names.js';
import { newId } from '../lib/ids.js';
import { filterMatches, typeMatches, type EventFilter, type EventInput, type ObjectEvent } from '../model/event.js';
import { pendingDelivery, toEvent } from '../store/events.js';
import type { Database, DeliveryRow, EventRow } from '../store/schema.js';

/** How long a gateway write and its native notification are paired. */
const DEDUP_WINDOW_MS = 15 * 60 * 1000;

function dedupKey(e: EventInput): string {
  const family = e.type.startsWith('s3:ObjectRemoved') ? 'removed' : 'created';
  return [e.bucket, e.key, family, family === 'created' ? (e.etag ?? '') : ''].join('\n');
}

/** Rows in the order of their ids (ULIDs: the order they were recorded in). */
const byId = <T extends { id: string }>(rows: T[]): T[] => rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

/** A per-key ordering hint like S3's: hex, increasing for writes of one gateway process. */
let sequence = BigInt(Date.now()) * 1000n;
const nextSequencer = () => (++sequence).toString(16).toUpperCase().padStart(16, '0');

/**
 * Rows per multi-row INSERT: SQLite allows 32,766 bound variables in one statement and an event row
 * has 14 columns; 200 rows stay far below it on both databases.
 */
const ROWS_PER_STATEMENT = 200;
/** Most callers, and events, one recording transaction takes (a caller with more events goes alone). */
const BATCH_CALLERS = 256;
const BATCH_EVENTS = 256;
/**
 * Native records per queued slice, and per batch of notifications: about 1 ms of SQLite. With 100 a
 * batch, another tenant's 1 KiB PUT had a median of 40 ms beside an ingest flood; with 25, 11-16 ms
 * (npm run bench:audit, finding 3).
 */
const NATIVE_SLICE = 25;

/** An enabled subscription, its patterns and filter parsed. */
type Hook = { id: string; events: string[]; filter: EventFilter };
interface QueueItem {
  tenantId: string;
  inputs: EventInput[];
  /** Of the record's span: the parent of the events' delivery attempts. */
  traceParent: string | null;
  resolve: (e: ObjectEvent[]) => void;
  reject: (err: unknown) => void;
}
type Outcome = { rows: EventRow[]; err?: undefined } | { rows?: undefined; err: unknown };

/** What a service needs to report what it did. */
export type EventSink = Pick<EventService, 'record'>;

export interface ListEventsQuery {
  bucket?: string;
  prefix?: string;
  since?: string;
  cursor?: string;
  limit: number;
}

/**
 * The event log and its outbox: an event and one pending delivery per matching subscription are
 * written in one transaction, before the API call that caused them answers. `onRecorded` wakes the
 * dispatcher; a crash before it runs loses nothing, since the deliveries are already stored.
 */
export class EventService {
  readonly #db: Kysely<Database>;
  readonly #listeners: ((events: ObjectEvent[]) => void)[] = [];
  /**
   * Callers waiting to be recorded, by tenant, each tenant's in the order of its calls. A batch takes
   * one caller of each tenant in turn (the tenant served goes to the back), so one tenant's burst (an
   * ingest flood of 100-record notifications) waits behind itself, not in front of everyone.
   */
  readonly #waiting = new Map<string, QueueItem[]>();
  #flushing = false;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  onRecorded(fn: (events: ObjectEvent[]) => void): void {
    this.#listeners.push(fn);
  }

  /**
   * Records events (and their deliveries) before resolving. Calls made in the same tick share one
   * transaction (group commit): one SQLite or PostgreSQL commit for many concurrent writes, and each
   * caller still answers only after its events are committed.
   *
   * A gateway write and the native notification of the same write are one event: whichever arrives
   * second is dropped, after pairing 1:1 with the first (same bucket, key, created/removed and ETag,
   * within DEDUP_WINDOW_MS). A native event delivered again (S3 notifications are at-least-once) is
   * dropped by its sequencer. Resolves to the events that were recorded.
   */
  record(tenantId: string, inputs: EventInput[]): Promise<ObjectEvent[]> {
    if (inputs.length === 0) return Promise.resolve([]);
    const span = tracer.startSpan('event.record', { attributes: { 's3gate.tenant': tenantId, 's3gate.event.type': inputs[0].type, 's3gate.events': inputs.length } });
    // A notification's records go in slices of NATIVE_SLICE, each its own place in the tenant's turn:
    // on SQLite a transaction holds the event loop while it runs, so no other tenant's request waits
    // behind more than one slice. A slice recorded before another failed is not undone; the sender
    // sends the notification again and what was recorded is dropped as a duplicate (its sequencer).
    const native = inputs.some((e) => e.source === 'native');
    const slices: EventInput[][] = [];
    for (let i = 0; i < inputs.length; i += native ? NATIVE_SLICE : inputs.length) slices.push(inputs.slice(i, i + (native ? NATIVE_SLICE : inputs.length)));
    const traceParent = traceparentOf(span);
    const queue = this.#waiting.get(tenantId) ?? this.#waiting.set(tenantId, []).get(tenantId)!;
    const done = Promise.all(
      slices.map(
        (slice) =>
          new Promise<ObjectEvent[]>((resolve, reject) => {
            queue.push({ tenantId, inputs: slice, traceParent, resolve, reject });
          }),
      ),
    ).then(
      (parts) => {
        const events = parts.flat();
        span.setAttribute('s3gate.events.recorded', events.length);
        if (events.length > 0) span.setAttribute('s3gate.event.id', events[0].id);
        span.end();
        return events;
      },
      (err: unknown) => {
        failSpan(span, err);
        span.end();
        throw err;
      },
    );
    if (!this.#flushing) {
      this.#flushing = true;
      setImmediate(() => void this.#flush());
    }
    return done;
  }

  /**
   * The next batch: callers taken one per tenant in turn, up to a budget of events (at least one
   * caller) and BATCH_CALLERS callers, so the transaction's work is bounded whoever is waiting. A batch
   * is of one kind: the gateway's own writes (a client waits for each; recorded a statement per kind
   * of row) or native notifications (deduplicated against the store, dearer), and a batch of these
   * takes at most NATIVE_SLICE records. A write of one tenant then waits for at most one small batch of
   * another tenant's notifications, however many are queued.
   */
  #nextBatch(): QueueItem[] {
    const batch: QueueItem[] = [];
    let events = 0;
    let native: boolean | undefined;
    for (const [tenantId, queue] of this.#waiting) {
      const item = queue[0];
      const itemNative = !item.inputs.every((e) => e.source === 'gateway');
      native ??= itemNative;
      // A tenant whose next caller is of the other kind keeps its place in the turn.
      if (itemNative !== native) continue;
      const budget = native ? NATIVE_SLICE : BATCH_EVENTS;
      if (batch.length > 0 && (batch.length >= BATCH_CALLERS || events + item.inputs.length > budget)) break;
      queue.shift();
      batch.push(item);
      events += item.inputs.length;
      // To the back of the turn (a Map iterates in insertion order, entries added meanwhile included).
      this.#waiting.delete(tenantId);
      if (queue.length > 0) this.#waiting.set(tenantId, queue);
    }
    return batch;
  }

  async #flush(): Promise<void> {
    const batch = this.#nextBatch();
    try {
      let outcomes: Outcome[];
      try {
        outcomes = await this.#db.transaction().execute(async (trx) => {
          const hooks = new Map<string, Hook[]>();
          // A batch (of one kind, see #nextBatch) is recorded as one, a statement per kind of row rather
          // than several round trips per caller. Should any of it fail, it is undone and every caller is
          // recorded on its own, below.
          if (batch.length > 1) {
            await sql`savepoint event_batch`.execute(trx);
            try {
              const rows = await this.#record(trx, hooks, batch);
              await sql`release savepoint event_batch`.execute(trx);
              return rows.map((r) => ({ rows: r }));
            } catch {
              await sql`rollback to savepoint event_batch`.execute(trx);
              await sql`release savepoint event_batch`.execute(trx);
              hooks.clear();
            }
          }
          const out: Outcome[] = [];
          // Each caller in a savepoint of its own: one caller's failure rolls back its own rows only,
          // and the others' events still commit with the batch.
          for (const item of batch) {
            await sql`savepoint event_record`.execute(trx);
            try {
              out.push({ rows: (await this.#record(trx, hooks, [item]))[0] });
              await sql`release savepoint event_record`.execute(trx);
            } catch (err) {
              await sql`rollback to savepoint event_record`.execute(trx);
              await sql`release savepoint event_record`.execute(trx);
              out.push({ err });
            }
          }
          return out;
        });
      } catch {
        // The commit itself failed (a busy or lost database): every caller is tried again on its own.
        outcomes = [];
        for (const item of batch) {
          try {
            outcomes.push({ rows: (await this.#db.transaction().execute((trx) => this.#record(trx, new Map(), [item])))[0] });
          } catch (err) {
            outcomes.push({ err });
          }
        }
      }
      const all: ObjectEvent[] = [];
      batch.forEach((item, i) => {
        const o = outcomes[i];
        if (!o.rows) return item.reject(o.err);
        const events = o.rows.map(toEvent);
        all.push(...events);
        item.resolve(events);
      });
      if (all.length > 0) for (const fn of this.#listeners) fn(all);
    } finally {
      if (this.#waiting.size > 0) setImmediate(() => void this.#flush());
      else this.#flushing = false;
    }
  }

  /**
   * The callers' events that are not duplicates (see record()) and their deliveries, inside the
   * batch's transaction; returns each caller's recorded rows, in the callers' order.
   */
  async #record(trx: Transaction<Database>, hooks: Map<string, Hook[]>, items: QueueItem[]): Promise<EventRow[][]> {
    const now = new Date();
    const created_at = now.toISOString();
    const windowStart = new Date(now.getTime() - DEDUP_WINDOW_MS).toISOString();
    const candidates: EventRow[][] = items.map((item) =>
      item.inputs.map((e) => ({
        id: newId('evt'),
        tenant_id: item.tenantId,
        type: e.type,
        bucket: e.bucket,
        key: e.key,
        size: e.size ?? null,
        etag: e.etag ?? null,
        version_id: e.versionId ?? null,
        sequencer: e.sequencer ?? nextSequencer(),
        source: e.source,
        created_at,
        dedup_key: dedupKey(e),
        matched: 0,
        trace_parent: item.traceParent,
      })),
    );
    // The gateway's writes look for unmatched native notifications of the same keys, oldest first: one
    // query per tenant and ROWS_PER_STATEMENT keys rather than one per event (a batch delete records
    // 1000 at once). Each notification pairs with one write (shift()), and is marked matched after.
    const wanted = new Map<string, Set<string>>();
    for (const row of candidates.flat()) {
      if (row.source === 'gateway') (wanted.get(row.tenant_id) ?? wanted.set(row.tenant_id, new Set()).get(row.tenant_id)!).add(row.dedup_key!);
    }
    const natives = new Map<string, string[]>();
    for (const [tenantId, keySet] of wanted) {
      const keys = [...keySet];
      for (let i = 0; i < keys.length; i += ROWS_PER_STATEMENT) {
        const found = await trx
          .selectFrom('events')
          .select(['id', 'dedup_key'])
          .where('tenant_id', '=', tenantId)
          .where('dedup_key', 'in', keys.slice(i, i + ROWS_PER_STATEMENT))
          .where('source', '=', 'native')
          .where('matched', '=', 0)
          .where('created_at', '>=', windowStart)
          .execute();
        // Oldest first, sorted here: with ORDER BY id, SQLite (without ANALYZE statistics) walks the
        // tenant's whole (tenant_id, id) index instead of looking the keys up (16 ms at 100,000 events).
        for (const f of byId(found)) {
          const k = `${tenantId}\n${f.dedup_key}`;
          (natives.get(k) ?? natives.set(k, []).get(k)!).push(f.id);
        }
      }
    }
    const known = await this.#knownForNatives(trx, candidates.flat(), windowStart);
    const matched: string[] = [];
    const recorded: EventRow[][] = [];
    for (const rows of candidates) {
      const kept: EventRow[] = [];
      for (const row of rows) {
        const k = `${row.tenant_id}\n${row.dedup_key}`;
        if (row.source === 'gateway') {
          const counterpart = natives.get(k)?.shift();
          if (counterpart) {
            matched.push(counterpart);
            continue;
          }
        } else {
          // A native notification is the gateway's own write, not yet paired (paired now: the write is
          // marked matched, so a second copy finds nothing), or one already recorded (S3 delivers at
          // least once: same sequencer, in the store or earlier in this batch).
          const write = known.writes.get(k)?.shift();
          if (write) {
            matched.push(write);
            continue;
          }
          const sequencers = known.sequencers.get(k) ?? known.sequencers.set(k, new Set()).get(k)!;
          if (sequencers.has(row.sequencer!)) continue;
          sequencers.add(row.sequencer!);
        }
        kept.push(row);
      }
      recorded.push(kept);
    }
    for (let i = 0; i < matched.length; i += ROWS_PER_STATEMENT)
      await trx
        .updateTable('events')
        .set({ matched: 1 })
        .where('id', 'in', matched.slice(i, i + ROWS_PER_STATEMENT))
        .execute();
    const events = recorded.flat();
    for (let i = 0; i < events.length; i += ROWS_PER_STATEMENT)
      await trx
        .insertInto('events')
        .values(events.slice(i, i + ROWS_PER_STATEMENT))
        .execute();

    // One pending delivery per event and matching enabled subscription; subscriptions read once per
    // tenant and transaction.
    const unread = [...new Set(events.map((r) => r.tenant_id))].filter((id) => !hooks.has(id));
    for (const id of unread) hooks.set(id, []);
    for (let i = 0; i < unread.length; i += ROWS_PER_STATEMENT) {
      const rows = await trx
        .selectFrom('webhooks')
        .select(['id', 'tenant_id', 'events', 'filter'])
        .where('tenant_id', 'in', unread.slice(i, i + ROWS_PER_STATEMENT))
        .where('enabled', '=', 1)
        .orderBy('id')
        .execute();
      for (const h of rows) hooks.get(h.tenant_id)!.push({ id: h.id, events: JSON.parse(h.events) as string[], filter: JSON.parse(h.filter) as EventFilter });
    }
    const deliveries: DeliveryRow[] = [];
    for (const row of events) {
      for (const h of hooks.get(row.tenant_id)!) {
        if (typeMatches(h.events, row.type) && filterMatches(h.filter, row)) deliveries.push(pendingDelivery(h.id, row.tenant_id, row.id, row.created_at));
      }
    }
    for (let i = 0; i < deliveries.length; i += ROWS_PER_STATEMENT)
      await trx
        .insertInto('deliveries')
        .values(deliveries.slice(i, i + ROWS_PER_STATEMENT))
        .execute();
    return recorded;
  }

  /**
   * What native notifications among rows are checked against, read in one query per tenant and
   * ROWS_PER_STATEMENT keys: the gateway's unpaired writes of their keys (oldest first), and the
   * sequencers of the notifications already recorded for them.
   */
  async #knownForNatives(trx: Transaction<Database>, rows: EventRow[], windowStart: string): Promise<{ writes: Map<string, string[]>; sequencers: Map<string, Set<string>> }> {
    const writes = new Map<string, string[]>();
    const sequencers = new Map<string, Set<string>>();
    const byTenant = new Map<string, Set<string>>();
    for (const row of rows) if (row.source === 'native') (byTenant.get(row.tenant_id) ?? byTenant.set(row.tenant_id, new Set()).get(row.tenant_id)!).add(row.dedup_key!);
    for (const [tenantId, keySet] of byTenant) {
      const keys = [...keySet];
      for (let i = 0; i < keys.length; i += ROWS_PER_STATEMENT) {
        const found = await trx
          .selectFrom('events')
          .select(['id', 'dedup_key', 'source', 'sequencer'])
          .where('tenant_id', '=', tenantId)
          .where('dedup_key', 'in', keys.slice(i, i + ROWS_PER_STATEMENT))
          .where((eb) => eb.or([eb('source', '=', 'native'), eb.and([eb('source', '=', 'gateway'), eb('matched', '=', 0), eb('created_at', '>=', windowStart)])]))
          .execute();
        for (const f of byId(found)) {
          const k = `${tenantId}\n${f.dedup_key}`;
          if (f.source === 'gateway') (writes.get(k) ?? writes.set(k, []).get(k)!).push(f.id);
          else if (f.sequencer !== null) (sequencers.get(k) ?? sequencers.set(k, new Set()).get(k)!).add(f.sequencer);
        }
      }
    }
    return { writes, sequencers };
  }

  async list(tenantId: string, q: ListEventsQuery): Promise<{ events: ObjectEvent[]; nextCursor: string | null }> {
    let query = this.#db.selectFrom('events').selectAll().where('tenant_id', '=', tenantId);
    if (q.bucket) query = query.where('bucket', '=', q.bucket);
    // Not a text range: PostgreSQL orders text by its collation, where a range need not match a prefix.
    if (q.prefix) query = query.where(sql<string>`substr(key, 1, ${[...q.prefix].length})`, '=', q.prefix);
    if (q.since) query = query.where('created_at', '>=', isoTime(q.since, 'since'));
    if (q.cursor) query = query.where('id', '>', q.cursor);
    const rows = await query
      .orderBy('id')
      .limit(q.limit + 1)
      .execute();
    const page = rows.slice(0, q.limit);
    return { events: page.map(toEvent), nextCursor: rows.length > q.limit ? page[page.length - 1].id : null };
  }

  async get(tenantId: string, id: string): Promise<ObjectEvent | undefined> {
    const row = await this.#db.selectFrom('events').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    return row && toEvent(row);
  }
}
