import t from 'tap';
import { bearer, createTenant, listen, testApp } from '../helpers/app.js';
import { collect, wsClient } from '../helpers/graphql.js';
import { until } from '../helpers/stall.js';

/**
 * objectEvents(after:) and (since:): a client that connects late or reconnects gets what was recorded
 * meanwhile from the log, then the live events, with no gap and no duplicate, while writes go on.
 */
interface Ev {
  objectEvents: { id: string; type: string; data: { key: string } };
}
const SUB = 'subscription($after: ID, $since: DateTime, $p: String) { objectEvents(after: $after, since: $since, prefix: $p) { id type data { key } } }';

t.test('resuming subscriptions', async (t) => {
  const app = await testApp(t);
  const key = await createTenant(app, { id: 'resume', driver: 'disk' });
  const base = await listen(app);
  await fetch(`${base}/v1/buckets/resume`, { method: 'PUT', headers: bearer(key) });
  const put = (k: string) => fetch(`${base}/v1/buckets/resume/objects/${k}`, { method: 'PUT', headers: bearer(key), body: k });
  const log = async (prefix: string) => {
    const ids: string[] = [];
    for (let cursor: string | null = ''; cursor !== null; ) {
      const page = (await (await fetch(`${base}/v1/events?limit=1000&prefix=${prefix}${cursor ? `&cursor=${cursor}` : ''}`, { headers: bearer(key) })).json()) as {
        events: { id: string }[];
        nextCursor: string | null;
      };
      ids.push(...page.events.map((e) => e.id));
      cursor = page.nextCursor;
    }
    return ids;
  };

  t.test('since: what was recorded before the subscription went live is sent first', async (t) => {
    const since = new Date().toISOString();
    for (let i = 0; i < 30; i++) await put(`since/${i}`);
    const sub = collect<Ev>(wsClient(t, base, { authorization: `Bearer ${key}` }), SUB, { since, p: 'since/' });
    for (let i = 30; i < 60; i++) await put(`since/${i}`);
    await until(() => sub.items.length >= 60, 10_000, '60 events');
    t.same(
      sub.items.map((i) => i.objectEvents.data.key),
      Array.from({ length: 60 }, (_, i) => `since/${i}`),
      'every event once, in order',
    );
  });

  t.test('after: a client that drops and comes back with its last id misses nothing, gets nothing twice', async (t) => {
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        await put(`live/${String(i).padStart(5, '0')}`);
        if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const since = new Date(Date.now() - 1000).toISOString();
    let closed!: () => void;
    const gone = new Promise<void>((r) => (closed = r));
    const first = wsClient(t, base, { authorization: `Bearer ${key}` }, () => closed());
    const one = collect<Ev>(first, SUB, { since, p: 'live/' });
    await until(() => one.items.length >= 100, 20_000, 'the first session’s 100 events');
    await first.dispose();
    // What reached the client before its socket closed is what it has: it resumes after the last of it.
    await gone;
    const last = one.items[one.items.length - 1].objectEvents.id;
    // Written while no client is connected.
    await new Promise((r) => setTimeout(r, 300));
    const two = collect<Ev>(wsClient(t, base, { authorization: `Bearer ${key}` }), SUB, { after: last, p: 'live/' });
    await until(() => two.items.length >= 200, 20_000, 'the second session’s 200 events');
    writing = false;
    await writer;
    const expected = await log('live/');
    await until(() => one.items.length + two.items.length >= expected.length, 20_000, 'the rest');
    const got = [...one.items, ...two.items].map((i) => i.objectEvents.id);
    t.same(
      expected.filter((id) => !got.includes(id)),
      [],
      'no event missed',
    );
    t.equal(new Set(got).size, got.length, 'none sent twice');
    t.same(got, [...got].sort(), 'in the order of the log');
  });

  t.test('an after that is not an event id is refused with a code', async (t) => {
    const sub = collect<Ev>(wsClient(t, base, { authorization: `Bearer ${key}` }), SUB, { after: 'yesterday' });
    await until(() => sub.done || sub.errors.length > 0, 5000, 'the refusal');
    t.match(JSON.stringify(sub.errors), /S3GATE_VALIDATION/);
    t.match(JSON.stringify(sub.errors), /after must be an event id/);
  });
});
