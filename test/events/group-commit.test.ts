import { CompiledQuery, type KyselyPlugin, type RootOperationNode } from 'kysely';
import t from 'tap';
import { EventService } from '../../src/services/events.js';
import type { EventInput } from '../../src/model/event.js';
import { openDb, type Db } from '../../src/store/db.js';
import { tempDir } from '../helpers/app.js';
import { tempPgDatabase } from '../helpers/pg.js';
import type { Teardown } from '../helpers/http.js';

// The group commit records every caller of one tick in one transaction. When the batch holds gateway
// writes alone it is recorded a statement per kind of row; these pin that the batch keeps the meaning
// of recording each caller on its own: pairing with native notifications 1:1 and per tenant,
// deliveries per matching enabled subscription, and one bad caller failing alone.

const put = (key: string, etag = `"e-${key}"`): EventInput => ({ type: 's3:ObjectCreated:Put', bucket: 'b', key, size: 1, etag, source: 'gateway' });
const native = (key: string, sequencer: string, etag = `"e-${key}"`): EventInput => ({ type: 's3:ObjectCreated:Put', bucket: 'b', key, size: 1, etag, sequencer, source: 'native' });

async function store(t: Teardown, dialect: 'sqlite' | 'postgres'): Promise<Db> {
  const db = await openDb({ databaseUrl: dialect === 'postgres' ? await tempPgDatabase(t) : undefined, dataDir: tempDir(t) });
  t.teardown(() => db.close());
  const now = new Date().toISOString();
  for (const id of ['a', 'b']) await db.kysely.insertInto('tenants').values({ id, driver: 'disk', settings: '{}', secrets: null, version: 1, created_at: now, updated_at: now }).execute();
  const hook = (id: string, tenant_id: string, events: string[], filter: object, enabled = 1) => ({
    id,
    tenant_id,
    url: 'http://127.0.0.1:9/',
    events: JSON.stringify(events),
    filter: JSON.stringify(filter),
    description: null,
    enabled,
    disabled_reason: null,
    secret: 'sealed',
    previous_secret: null,
    previous_secret_until: null,
    failing_since: null,
    kind: 'webhook',
    format: 'json',
    destination: '{}',
    credentials: null,
    created_at: now,
    updated_at: now,
  });
  await db.kysely
    .insertInto('webhooks')
    .values([
      hook('wh_all', 'a', ['s3:ObjectCreated:*'], {}),
      hook('wh_k1', 'a', ['*'], { prefix: 'k1' }),
      hook('wh_removed', 'a', ['s3:ObjectRemoved:*'], {}),
      hook('wh_off', 'a', ['*'], {}, 0),
      hook('wh_b', 'b', ['*'], {}),
    ])
    .execute();
  return db;
}

async function deliveriesBy(db: Db): Promise<Record<string, string[]>> {
  const rows = await db.kysely.selectFrom('deliveries').innerJoin('events', 'events.id', 'deliveries.event_id').select(['deliveries.webhook_id', 'events.key']).orderBy('events.key').execute();
  const out: Record<string, string[]> = {};
  for (const r of rows) (out[r.webhook_id] ??= []).push(r.key);
  return out;
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  t.test(`a tick of gateway writes is recorded as one batch, as if each were recorded alone (${dialect})`, async (t) => {
    const db = await store(t, dialect);
    const events = new EventService(db.kysely);
    const announced: string[] = [];
    events.onRecorded((e) => announced.push(...e.map((x) => x.data.key)));

    const keys = Array.from({ length: 20 }, (_, i) => `k${i}`);
    const recorded = await Promise.all(keys.map((k) => events.record('a', [put(k)])));
    t.same(
      recorded.map((r) => r.map((e) => [e.data.tenant, e.data.key, e.data.source])),
      keys.map((k) => [['a', k, 'gateway']]),
      'every caller gets its own event',
    );
    t.same(announced, keys, 'the dispatcher hears of each, in order');
    const ids = recorded.map((r) => r[0].id);
    t.same([...ids].sort(), ids, 'ids increase in the callers order');
    const d = await deliveriesBy(db);
    t.same(d.wh_all, [...keys].sort(), 'one delivery per event to the subscription of created events');
    t.same(d.wh_k1, ['k1', 'k10', 'k11', 'k12', 'k13', 'k14', 'k15', 'k16', 'k17', 'k18', 'k19'], 'the prefix filter holds in a batch');
    t.notOk(d.wh_removed, 'no delivery to a subscription of other types');
    t.notOk(d.wh_off, 'none to a disabled subscription');
    t.notOk(d.wh_b, 'none to another tenant');
  });

  t.test(`a batch pairs each native notification with one gateway write of its own tenant (${dialect})`, async (t) => {
    const db = await store(t, dialect);
    const events = new EventService(db.kysely);
    // Notifications that arrived before the writes answered (S3 may notify that fast): two of n0.
    t.equal((await events.record('a', [native('n0', '01')])).length, 1);
    t.equal((await events.record('a', [native('n0', '02')])).length, 1);
    t.equal((await events.record('a', [native('n1', '03')])).length, 1);
    t.equal((await events.record('a', [native('n2', '04')])).length, 1);
    t.equal((await events.record('a', [native('n3', '05', '"other"')])).length, 1);

    const [first, second, pair, third, otherTenant, otherEtag] = await Promise.all([
      events.record('a', [put('n0')]),
      events.record('a', [put('n0')]),
      events.record('a', [put('n1'), put('n2')]),
      events.record('a', [put('n0')]),
      events.record('b', [put('n0')]),
      events.record('a', [put('n3')]),
    ]);
    t.same(first, [], 'the first write of n0 is the first notification');
    t.same(second, [], 'the second write of n0 is the second notification');
    t.same(pair, [], 'one caller with two writes pairs both');
    t.same(
      third.map((e) => e.data.key),
      ['n0'],
      'a third write of n0 has no notification left: recorded',
    );
    t.same(
      otherTenant.map((e) => [e.data.tenant, e.data.key]),
      [['b', 'n0']],
      "another tenant's write never pairs with a's notification",
    );
    t.same(
      otherEtag.map((e) => e.data.key),
      ['n3'],
      'a notification of other content does not pair',
    );
    const rows = await db.kysely.selectFrom('events').select(['tenant_id', 'key', 'source', 'matched']).orderBy('id').execute();
    t.same(
      rows.map((r) => [r.tenant_id, r.key, r.source, Number(r.matched)]),
      [
        ['a', 'n0', 'native', 1],
        ['a', 'n0', 'native', 1],
        ['a', 'n1', 'native', 1],
        ['a', 'n2', 'native', 1],
        ['a', 'n3', 'native', 0],
        // Callers are taken one per tenant in turn: b's write comes second in the batch.
        ['b', 'n0', 'gateway', 0],
        ['a', 'n0', 'gateway', 0],
        ['a', 'n3', 'gateway', 0],
      ],
      'each paired notification is marked once; nothing else is',
    );
    const d = await deliveriesBy(db);
    t.same(d.wh_b, ['n0'], "b's write is delivered to b");
    t.same(d.wh_all, ['n0', 'n0', 'n0', 'n1', 'n2', 'n3', 'n3'], 'a paired write adds no delivery to those of its notification');

    // A notification arriving in the same tick as its write: recorded in order, still one event.
    const [write, note] = await Promise.all([events.record('a', [put('m0')]), events.record('a', [native('m0', '06')])]);
    t.same(
      write.map((e) => e.data.key),
      ['m0'],
    );
    t.same(note, [], 'the notification of a write recorded in the same transaction is dropped');
  });
}

t.test('one caller that cannot be recorded fails alone; the rest of its batch is recorded (postgres)', async (t) => {
  const db = await store(t, 'postgres');
  const events = new EventService(db.kysely);
  // PostgreSQL's text holds no NUL: this caller's insert fails inside the batch.
  const results = await Promise.allSettled([events.record('a', [put('ok1')]), events.record('a', [put('bad\u0000key')]), events.record('a', [put('ok2')])]);
  t.same(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  t.same(
    (await db.kysely.selectFrom('events').select('key').orderBy('id').execute()).map((r) => r.key),
    ['ok1', 'ok2'],
    'the batch was undone and its good callers recorded one by one',
  );
  t.same((await deliveriesBy(db)).wh_all, ['ok1', 'ok2'], 'with their deliveries, once');
});

t.test("recording looks events up by their keys, never walking a tenant's whole log (sqlite query plans)", async (t) => {
  // With ORDER BY id, SQLite (no ANALYZE statistics on a gateway's store) chose the (tenant_id, id)
  // index and read every event of the tenant for each batch: 16 ms a batch at 100,000 events, and the
  // cost of every write grew with the log.
  const db = await store(t, 'sqlite');
  const nodes: RootOperationNode[] = [];
  const capture: KyselyPlugin = { transformQuery: (a) => (nodes.push(a.node), a.node), transformResult: async (a) => a.result };
  const events = new EventService(db.kysely.withPlugin(capture));
  await Promise.all([events.record('a', [put('p1'), put('p2')]), events.record('b', [put('p1')])]);
  await events.record('a', [native('n1', '01'), native('n2', '02')]);
  await Promise.all([events.record('a', [native('n3', '03')]), events.record('b', [native('n4', '04')])]);
  const lookups = nodes
    .filter((n) => n.kind === 'SelectQueryNode')
    .map((n) => db.kysely.getExecutor().compileQuery(n, { queryId: 'plan' } as never))
    .filter((q) => /from "events"/.test(q.sql) && /dedup_key/.test(q.sql));
  t.ok(lookups.length >= 3, `${lookups.length} lookups of events by key`);
  for (const q of lookups) {
    const plan = (await db.kysely.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${q.sql}`, [...q.parameters]))).rows.map((r) => r.detail).join(' | ');
    t.match(plan, /USING INDEX events_dedup/, `${q.sql.slice(0, 90)}…: ${plan}`);
  }
});
