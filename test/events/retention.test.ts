import t from 'tap';
import { ulid } from 'ulid';
import { Retention } from '../../src/events/retention.js';
import { createTenant, testApp } from '../helpers/app.js';

const DAY = 24 * 3600 * 1000;

for (const db of ['sqlite', 'postgres'] as const) {
  t.test(`retention shrinks events, deliveries and attempts to what it keeps, in small batches (${db})`, async (t) => {
    const app = await testApp(t, { db });
    await createTenant(app, { id: 'ret', driver: 'disk' });
    const k = app.db.kysely;
    const now = Date.now();
    const at = (ms: number) => new Date(ms).toISOString();
    const old = now - 10 * DAY;
    const recent = now - DAY;
    await k
      .insertInto('webhooks')
      .values({
        id: 'wh_ret',
        tenant_id: 'ret',
        url: 'http://127.0.0.1/h',
        events: '["*"]',
        filter: '{}',
        description: null,
        enabled: 1,
        disabled_reason: null,
        secret: 's',
        previous_secret: null,
        previous_secret_until: null,
        failing_since: null,
        kind: 'webhook',
        format: 'json',
        destination: '{}',
        credentials: null,
        created_at: at(old),
        updated_at: at(old),
      })
      .execute();

    const events = (n: number, ms: number) =>
      Array.from({ length: n }, () => ({
        id: `evt_${ulid(ms)}`,
        tenant_id: 'ret',
        type: 's3:ObjectCreated:Put',
        bucket: 'b',
        key: 'k',
        size: 1,
        etag: 'e',
        version_id: null,
        sequencer: null,
        source: 'gateway' as const,
        created_at: at(ms),
        dedup_key: null,
        matched: 0,
      }));
    const oldEvents = events(45, old);
    await k
      .insertInto('events')
      .values([...oldEvents, ...events(5, recent)])
      .execute();

    const deliveries = (n: number, ms: number, status: 'pending' | 'failed' | 'delivered' | 'dead') =>
      Array.from({ length: n }, () => ({
        id: `dlv_${ulid(ms)}`,
        webhook_id: 'wh_ret',
        tenant_id: 'ret',
        event_id: oldEvents[0].id,
        status,
        attempts: 1,
        next_attempt_at: status === 'failed' || status === 'pending' ? at(now + DAY) : null,
        last_status: 500,
        last_error: null,
        locked_until: null,
        locked_by: null,
        created_at: at(ms),
        updated_at: at(ms),
      }));
    const oldDone = [...deliveries(20, old, 'delivered'), ...deliveries(10, old, 'dead')];
    const oldOpen = [...deliveries(4, old, 'failed'), ...deliveries(2, old, 'pending')];
    const recentDone = deliveries(6, recent, 'delivered');
    await k
      .insertInto('deliveries')
      .values([...oldDone, ...oldOpen, ...recentDone])
      .execute();

    const attempts = (of: { id: string }[], ms: number) =>
      of.map((d) => ({ id: `att_${ulid(ms)}`, delivery_id: d.id, at: at(ms), status_code: 500, duration_ms: 3, error: null, response_excerpt: null }));
    // Old attempts of finished deliveries, old and new attempts of deliveries still being retried, new ones of recent deliveries.
    await k
      .insertInto('delivery_attempts')
      .values([...attempts(oldDone, old), ...attempts(oldOpen, old), ...attempts(oldOpen, recent), ...attempts(recentDone, recent)])
      .execute();

    const count = async () => ({
      events: Number(
        (
          await k
            .selectFrom('events')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
      deliveries: Number(
        (
          await k
            .selectFrom('deliveries')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
      attempts: Number(
        (
          await k
            .selectFrom('delivery_attempts')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
    });
    t.same(await count(), { events: 50, deliveries: 42, attempts: 48 });

    const report = await new Retention(k, { eventsMs: 7 * DAY, deliveriesMs: 7 * DAY, batchSize: 7 }).run(now);
    t.same(await count(), { events: 5, deliveries: 12, attempts: 12 }, 'recent events; open and recent deliveries; their recent attempts');
    t.match(report, { events: 45, deliveries: 30, attempts: 6 });
    t.ok(report.batches >= Math.ceil(45 / 7) + Math.ceil(30 / 7) + 1, `no statement took more than 7 rows (${report.batches} statements)`);
    const open = await k
      .selectFrom('deliveries')
      .select('status')
      .where(
        'id',
        'in',
        oldOpen.map((d) => d.id),
      )
      .execute();
    t.equal(open.length, 6, 'a delivery still pending or being retried is never pruned');

    t.same(await new Retention(k, { eventsMs: 7 * DAY, deliveriesMs: 7 * DAY }).run(now), { events: 0, deliveries: 0, attempts: 0, batches: 3 }, 'a second run finds nothing');
  });
}
