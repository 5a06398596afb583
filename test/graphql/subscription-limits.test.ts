import t from 'tap';
import WebSocket from 'ws';
import { admin, createTenant, listen, testApp } from '../helpers/app.js';
import { collect, wsClient } from '../helpers/graphql.js';
import { until } from '../helpers/stall.js';

const SUB = 'subscription { objectEvents { id } }';

t.test('live subscriptions are capped per tenant and per process, and a completed one frees its place', async (t) => {
  const app = await testApp(t, { env: { S3GATE_GRAPHQL_MAX_SUBSCRIPTIONS: '3', S3GATE_GRAPHQL_MAX_SUBSCRIPTIONS_PER_PROCESS: '5' } });
  const base = await listen(app);
  const keyA = await createTenant(app, { id: 'subs-a', driver: 'disk' });
  const keyB = await createTenant(app, { id: 'subs-b', driver: 'disk' });
  const a = wsClient(t, base, { authorization: `Bearer ${keyA}` });
  const subsA = [collect(a, SUB), collect(a, SUB), collect(a, SUB)];
  // graphql-ws opens the socket lazily: wait until the three are live.
  await until(async () => subsA.every((s) => s.errors.length === 0) && (await countLive(app)) === 3, 5000, 'three subscriptions of a');
  const fourth = collect(a, SUB);
  await until(() => fourth.done, 5000, 'the fourth refused');
  t.match(JSON.stringify(fourth.errors), /S3GATE_TOO_MANY_SUBSCRIPTIONS/, 'the tenant is at its limit: the code says so');
  t.match(JSON.stringify(fourth.errors), /S3GATE_GRAPHQL_MAX_SUBSCRIPTIONS/);

  // Another tenant is not held back by a's, up to the process's limit.
  const b = wsClient(t, base, { authorization: `Bearer ${keyB}` });
  const subsB = [collect(b, SUB), collect(b, SUB)];
  await until(async () => (await countLive(app)) === 5, 5000, 'two of b');
  t.same(
    subsB.flatMap((s) => s.errors),
    [],
  );
  const overProcess = collect(b, SUB);
  await until(() => overProcess.done, 5000, 'the process limit');
  t.match(JSON.stringify(overProcess.errors), /S3GATE_GRAPHQL_MAX_SUBSCRIPTIONS_PER_PROCESS/);

  // Completing one frees its place; so does closing a socket.
  subsA[0].stop();
  await until(async () => (await countLive(app)) === 4, 5000, 'a completed subscription released');
  const again = collect(a, SUB);
  await until(async () => (await countLive(app)) === 5, 5000, 'a new one takes the place');
  t.same(again.errors, []);
  await b.dispose();
  await until(async () => (await countLive(app)) === 3, 5000, "b's socket closed: its two released");

  // The live ones still get events.
  t.equal((await app.inject({ method: 'PUT', url: '/v1/buckets/subs-a-bkt', headers: { authorization: `Bearer ${keyA}` } })).statusCode, 201);
  t.equal((await app.inject({ method: 'PUT', url: '/v1/buckets/subs-a-bkt/objects/k', headers: { authorization: `Bearer ${keyA}` }, payload: 'x' })).statusCode, 201);
  await until(() => again.items.length === 1 && subsA[1].items.length === 1, 5000, 'the event');
  t.pass('delivered');
});

/** A gauge of /metrics. */
async function gauge(app: Awaited<ReturnType<typeof testApp>>, name: string): Promise<number> {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(res.body)?.[1] ?? -1);
}
/** Live subscriptions as the gateway counts them. */
const countLive = (app: Awaited<ReturnType<typeof testApp>>) => gauge(app, 's3gate_graphql_subscriptions');
const countSockets = (app: Awaited<ReturnType<typeof testApp>>) => gauge(app, 's3gate_graphql_sockets');

t.test('a socket that does not read what is sent to it is closed once its unsent bytes pass the bound; readers are not held back', async (t) => {
  const app = await testApp(t, { env: { S3GATE_GRAPHQL_MAX_UNSENT_EVENTS: '500', S3GATE_GRAPHQL_MAX_UNSENT_BYTES: String(64 * 1024), S3GATE_GRAPHQL_INIT_WAIT_MS: '60000' } });
  const base = await listen(app);
  const key = await createTenant(app, { id: 'slow', driver: 'disk' });
  const { path } = (await app.inject({ method: 'POST', url: '/admin/tenants/slow/ingest-token', headers: admin })).json() as { path: string };
  const url = base.replace(/^http/, 'ws') + '/graphql';

  // A raw graphql-transport-ws client that subscribes, then stops reading its socket.
  const stalled = new WebSocket(url, 'graphql-transport-ws');
  t.teardown(() => stalled.terminate());
  await new Promise((resolve) => stalled.once('open', resolve));
  stalled.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }));
  await new Promise((resolve) => stalled.once('message', resolve));
  // Ten subscriptions on it: every event goes to it ten times, more than loopback's buffers absorb
  // (the kernel may hold 32 MiB for a client that does not read).
  for (let id = 1; id <= 10; id++) stalled.send(JSON.stringify({ id: String(id), type: 'subscribe', payload: { query: SUB.replace('{ id }', '{ id type data { key } }') } }));
  await until(async () => (await countLive(app)) === 10, 5000, 'the stalled subscriptions');
  (stalled as unknown as { _socket: { pause(): void } })._socket.pause();

  // A reader beside it.
  const reader = wsClient(t, base, { authorization: `Bearer ${key}` });
  const reading = collect<{ objectEvents: { id: string } }>(reader, SUB);
  await until(async () => (await countLive(app)) === 11, 5000, 'the reader');

  // 10,000 events of 1,000-byte keys: about 11 MB to each subscription.
  const record = (i: number) => ({
    eventName: 'ObjectCreated:Put',
    s3: { bucket: { name: 'slow-bkt' }, object: { key: `${String(i).padStart(6, '0')}${'k'.repeat(994)}`, size: 1, eTag: 'e', sequencer: i.toString(16) } },
  });
  for (let n = 0; n < 100; n++) {
    const res = await app.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ Records: Array.from({ length: 100 }, (_, i) => record(n * 100 + i)) }),
    });
    t.equal(res.statusCode, 200);
  }
  await until(async () => (await countSockets(app)) === 1, 10_000, 'the stalled socket closed by the gateway');
  await until(async () => (await countLive(app)) === 1, 5000, "the closed socket's subscriptions were released");
  await until(() => reading.items.length === 10_000, 20_000, 'the reader got every event');

  // Unauthenticated and not reading: pings it does not take the pongs of are bounded the same way.
  const pinger = new WebSocket(url, 'graphql-transport-ws');
  t.teardown(() => pinger.terminate());
  await new Promise((resolve) => pinger.once('open', resolve));
  (pinger as unknown as { _socket: { pause(): void } })._socket.pause();
  await until(async () => (await countSockets(app)) === 2, 5000, 'the pinging socket');
  const payload = Buffer.alloc(125, 1);
  for (let i = 0; i < 200; i++) {
    for (let j = 0; j < 1000; j++) pinger.ping(payload);
    await new Promise((r) => setTimeout(r, 5));
    if ((await countSockets(app)) === 1) break;
  }
  await until(async () => (await countSockets(app)) === 1, 10_000, 'the pinging socket closed before its init wait of 60 s');
  t.pass('closed');
});
