// The PostgreSQL floor of webhook delivery: the rows one delivery writes in the gateway's own schema
// (queued as a replay queues them, claimed, its attempt and outcome written), with the dispatcher's
// statements and batch sizes, issued by a bare client with no HTTP, no signing and no event loop to
// share. Run it with no gateway working on the database (bench/run.ts stops the gateway meanwhile).
// What PostgreSQL's processes spend per event here they spend at least when the gateway delivers the
// same events: the part of the machine no change to the gateway's own code gives back.
import { sql, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { pendingDelivery } from '../../src/store/events.js';
import { newId } from '../../src/lib/ids.js';
import type { Database } from '../../src/store/schema.js';
import { cpuMsOf, cpuSince, cpuSnapshot, machineBusyMs, round } from './measure.js';

/** Rows per claim (the dispatcher's most for a fast endpoint) and outcomes per transaction (what it gathered in 5 ms at ~4,000 events/s). */
const CLAIM = 256;
const OUTCOMES = 20;

/** Delivers again, as the floor describes, the recorded events of `tenantId` whose keys start with `keyPrefix`. */
export async function pgDeliveryFloor(databaseUrl: string, tenantId: string, hookId: string, keyPrefix: string) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await db.selectFrom('webhooks').select('id').where('id', '=', hookId).executeTakeFirstOrThrow();
    const eventIds = (await db.selectFrom('events').select('id').where('tenant_id', '=', tenantId).where('key', 'like', `${keyPrefix}%`).execute()).map((e) => e.id);
    if (eventIds.length === 0) throw new Error(`no events under ${keyPrefix}`);
    const t0 = performance.now();
    const before = { machine: machineBusyMs(), byCommand: cpuSnapshot(), self: cpuMsOf(process.pid) };
    const queuedAt = new Date().toISOString();
    for (let i = 0; i < eventIds.length; i += 500) {
      await db
        .insertInto('deliveries')
        .values(eventIds.slice(i, i + 500).map((e) => pendingDelivery(hookId, tenantId, e, queuedAt)))
        .execute();
    }
    let delivered = 0;
    for (;;) {
      const now = new Date().toISOString();
      const due = await db
        .selectFrom('deliveries')
        .select(['id', 'webhook_id'])
        .where(sql<boolean>`status in ('pending', 'failed')`)
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
        .orderBy('next_attempt_at')
        .limit(CLAIM)
        .execute();
      if (due.length === 0) break;
      const claimed = await db
        .updateTable('deliveries')
        .set({ locked_until: new Date(Date.now() + 80_000).toISOString(), locked_by: 'floor' })
        .where(
          'id',
          'in',
          due.map((d) => d.id),
        )
        .where('status', 'in', ['pending', 'failed'])
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
        .returningAll()
        .execute();
      if (claimed.length === 0) throw new Error('the floor claimed nothing of what it found: is another dispatcher running on this database?');
      await db.selectFrom('webhooks').selectAll().where('id', 'in', [hookId]).execute();
      await db
        .selectFrom('events')
        .selectAll()
        .where(
          'id',
          'in',
          claimed.map((d) => d.event_id),
        )
        .execute();
      for (let i = 0; i < claimed.length; i += OUTCOMES) {
        const batch = claimed.slice(i, i + OUTCOMES);
        const at = new Date().toISOString();
        await db.transaction().execute(async (trx) => {
          await trx
            .insertInto('delivery_attempts')
            .values(batch.map((d) => ({ id: newId('att'), delivery_id: d.id, at, status_code: 204, duration_ms: 1, error: null, response_excerpt: '' })))
            .execute();
          await trx
            .updateTable('deliveries')
            .set({ attempts: 1, last_status: 204, last_error: null, status: 'delivered', locked_until: null, locked_by: null, updated_at: at, next_attempt_at: null })
            .where(
              'id',
              'in',
              batch.map((d) => d.id),
            )
            .execute();
        });
      }
      delivered += claimed.length;
    }
    const seconds = (performance.now() - t0) / 1000;
    const after = { machine: machineBusyMs(), byCommand: cpuSince(before.byCommand), self: cpuMsOf(process.pid) };
    const perEvent = (ms: number) => round(ms / delivered, 3);
    return {
      events: delivered,
      eventsPerSecond: Math.round(delivered / seconds),
      postgresCpuMsPerEvent: perEvent(after.byCommand.get('postgres') ?? 0),
      machineCpuMsPerEvent: perEvent(after.machine - before.machine),
      clientCpuMsPerEvent: perEvent(after.self - before.self),
    };
  } finally {
    await db.destroy();
  }
}
