import { sql, type Kysely } from 'kysely';
import { encodeTime } from 'ulid';
import type { Database } from '../store/schema.js';

export interface RetentionOptions {
  /** Events older than this are dropped from the log. */
  eventsMs: number;
  /** Finished deliveries (delivered, dead) older than this go, with their attempts; attempts older than it go too. */
  deliveriesMs: number;
  /** Rows per DELETE statement: each statement is its own short transaction. @default 1000 */
  batchSize?: number;
}

export interface RetentionReport {
  events: number;
  deliveries: number;
  attempts: number;
  /** DELETE statements run: the writer lock was taken and released this many times, never held throughout. */
  batches: number;
}

/**
 * The lowest id (evt_/dlv_/att_ + ULID) minted at `ms`: ULIDs begin with their time, so "older than"
 * is an id range on the primary key, which needs no index of its own.
 */
export const idBefore = (prefix: string, ms: number) => `${prefix}_${encodeTime(ms, 10)}${'0'.repeat(16)}`;

/**
 * Retention of the event log and the delivery log: every table shrinks to what retention keeps. Each
 * DELETE takes at most batchSize rows by primary key and commits on its own, and the loop yields to
 * other work between statements, so writers wait for one small batch at most, never for the whole prune.
 * A pending or failed delivery is never removed (its event may be gone: it then ends as dead).
 */
export class Retention {
  readonly #db: Kysely<Database>;
  readonly #opts: Required<RetentionOptions>;

  constructor(db: Kysely<Database>, opts: RetentionOptions) {
    this.#db = db;
    this.#opts = { batchSize: 1000, ...opts };
  }

  async run(now = Date.now()): Promise<RetentionReport> {
    const report: RetentionReport = { events: 0, deliveries: 0, attempts: 0, batches: 0 };
    const deliveryCut = idBefore('dlv', now - this.#opts.deliveriesMs);
    // Attempts of finished deliveries go with them (ON DELETE CASCADE); old attempts of a delivery still
    // being retried go on their own.
    report.deliveries = await this.#drain(report, (n) => sql`delete from deliveries where id in (select id from deliveries where id < ${deliveryCut} and status in ('delivered', 'dead') limit ${n})`);
    const attemptCut = idBefore('att', now - this.#opts.deliveriesMs);
    report.attempts = await this.#drain(report, (n) => sql`delete from delivery_attempts where id in (select id from delivery_attempts where id < ${attemptCut} limit ${n})`);
    const eventCut = idBefore('evt', now - this.#opts.eventsMs);
    report.events = await this.#drain(report, (n) => sql`delete from events where id in (select id from events where id < ${eventCut} limit ${n})`);
    return report;
  }

  async #drain(report: RetentionReport, statement: (n: number) => ReturnType<typeof sql>): Promise<number> {
    let total = 0;
    for (;;) {
      const res = await statement(this.#opts.batchSize).execute(this.#db);
      report.batches++;
      const n = Number(res.numAffectedRows ?? 0);
      total += n;
      if (n < this.#opts.batchSize) return total;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
