import net from 'node:net';
import t from 'tap';
import { admin, createTenant, listen, testApp } from '../helpers/app.js';
import { doorUrl } from '../helpers/door.js';

/**
 * Writes a request's head and the first bytes of a body that is declared far larger, and never sends
 * the rest: what an attacker holding connections open does. Resolves with what came back and whether
 * the gateway closed the connection, within waitMs.
 */
function partialPost(base: string, path: string, declared: number, sent: number, waitMs = 3000): Promise<{ status: number; head: string; body: string; closed: boolean }> {
  const { port } = new URL(base);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => {
      socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`);
      socket.write(Buffer.alloc(sent, ' '));
    });
    let text = '';
    let closed = false;
    const done = () => {
      clearTimeout(timer);
      const [head, ...rest] = text.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0), head: head.toLowerCase(), body: rest.join('\r\n\r\n'), closed });
      socket.destroy();
    };
    const timer = setTimeout(done, waitMs);
    socket.on('data', (d) => (text += d));
    socket.on('end', () => ((closed = true), done()));
    socket.on('close', () => ((closed = true), done()));
    socket.on('error', () => {});
  });
}

t.test('an ingest request is refused before its body is read', async (t) => {
  const app = await testApp(t);
  await createTenant(app, { id: 'ing-h', driver: 'disk' });
  const { path } = (await app.inject({ method: 'POST', url: '/admin/tenants/ing-h/ingest-token', headers: admin })).json() as { path: string };
  const base = await listen(app);

  t.test('an unknown token: 401 with Connection: close, without waiting for the body', async (t) => {
    const res = await partialPost(base, '/ingest/s3/ing_not-a-token', 4_000_000, 1024);
    t.equal(res.status, 401, 'answered before the body arrived');
    t.match(res.head, /\r\nconnection: close/);
    t.match(res.body, /S3GATE_INGEST_UNAUTHORIZED/);
    t.ok(res.closed, 'the gateway closed the connection');
  });

  t.test('a hundred held connections with a wrong token are each answered and closed at once', async (t) => {
    const all = await Promise.all(Array.from({ length: 100 }, (_, i) => partialPost(base, `/ingest/s3/ing_wrong${i}`, 4_000_000, 64 * 1024)));
    t.same(new Set(all.map((r) => `${r.status} ${r.closed}`)), new Set(['401 true']));
  });

  t.test('the right token with a body larger than 100 records need: 413 before the body', async (t) => {
    const res = await partialPost(base, path, 4_000_000, 1024);
    t.equal(res.status, 413);
    t.match(res.body, /S3GATE_PAYLOAD_TOO_LARGE/);
    t.ok(res.closed);
  });

  t.test('the right token with a body of the allowed size is read and recorded', async (t) => {
    const record = { eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'ingest-bkt' }, object: { key: 'k'.repeat(1024), size: 1, eTag: 'e', sequencer: '01' } } };
    const body = JSON.stringify({ Records: Array.from({ length: 100 }, (_, i) => ({ ...record, s3: { ...record.s3, object: { ...record.s3.object, sequencer: String(i) } } })) });
    const res = await app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json' }, payload: body });
    t.equal(res.statusCode, 200, res.body);
    t.equal(res.json().accepted, 100);
  });
});

t.test('S3GATE_MAX_CONNECTIONS caps the open connections of each listener', async (t) => {
  const app = await testApp(t, { env: { S3GATE_MAX_CONNECTIONS: '4' } });
  const listeners = { api: await listen(app), door: await doorUrl(app) };
  for (const [name, base] of Object.entries(listeners)) {
    const { port } = new URL(base);
    const open = async () => {
      const socket = net.connect(Number(port), '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      return socket;
    };
    /** A request on a socket, the answer's status; 0 when the gateway closed it without one. */
    const ask = (socket: net.Socket) =>
      new Promise<number>((resolve) => {
        let text = '';
        socket.on('data', (d) => {
          text += d;
          if (text.includes('\r\n\r\n')) resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1]));
        });
        socket.on('close', () => resolve(0));
        socket.on('error', () => {});
        socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      });
    const held = await Promise.all([open(), open(), open(), open()]);
    t.teardown(() => held.forEach((s) => s.destroy()));
    t.ok((await ask(held[0])) > 0, `${name}: the first four are served`);
    const fifth = await open();
    t.equal(await ask(fifth), 0, `${name}: the fifth is closed unanswered`);
    held[1].destroy();
    await new Promise((r) => setTimeout(r, 50));
    const again = await open();
    t.ok((await ask(again)) > 0, `${name}: a closed connection frees its place`);
    again.destroy();
  }
});

/** A notification of `n` records with sequencers of their own. */
function notification(bucket: string, n: number, from = 0): string {
  return JSON.stringify({
    Records: Array.from({ length: n }, (_, i) => ({
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: bucket }, object: { key: `k${from + i}`, size: 1, eTag: 'e', sequencer: (from + i).toString(16).padStart(8, '0') } },
    })),
  });
}

t.test("ingest counts against the tenant's rate limit, each record as a request", async (t) => {
  const app = await testApp(t);
  await createTenant(app, { id: 'ing-rate', driver: 'disk', limits: { requestsPerSecond: 2, burst: 4 } });
  const { path } = (await app.inject({ method: 'POST', url: '/admin/tenants/ing-rate/ingest-token', headers: admin })).json() as { path: string };
  const statuses: number[] = [];
  let recorded = 0;
  for (let i = 0; i < 50; i++) {
    const res = await app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json' }, payload: notification('rate-bkt', 100, i * 100) });
    statuses.push(res.statusCode);
    if (res.statusCode === 200) recorded += res.json().accepted as number;
    else {
      t.equal(res.json().code, 'S3GATE_RATE_LIMITED');
      t.ok(Number(res.headers['retry-after']) >= 1, 'says when to come back');
    }
  }
  t.equal(statuses.filter((s) => s === 200).length, 1, 'one notification of 100 records spends far more than the burst: the rest wait');
  t.equal(statuses.filter((s) => s === 429).length, 49);
  t.equal(recorded, 100);
  // Single-record notifications are refused too while the tenant pays back what it owes.
  t.equal((await app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json' }, payload: notification('rate-bkt', 1, 9999) })).statusCode, 429);
});

t.test("one tenant's ingest flood does not queue another tenant's writes behind it", async (t) => {
  const app = await testApp(t);
  await createTenant(app, { id: 'flood-a', driver: 'disk' });
  const keyB = await createTenant(app, { id: 'flood-b', driver: 'disk' });
  const { path } = (await app.inject({ method: 'POST', url: '/admin/tenants/flood-a/ingest-token', headers: admin })).json() as { path: string };
  const b = { authorization: `Bearer ${keyB}` };
  t.equal((await app.inject({ method: 'PUT', url: '/v1/buckets/flood-b-bkt', headers: b })).statusCode, 201);
  // 40 notifications of 100 records queued at once, and B's write behind them.
  const flood = Array.from({ length: 40 }, (_, i) => app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json' }, payload: notification('flood-a-bkt', 100, i * 100) }));
  const write = app.inject({ method: 'PUT', url: '/v1/buckets/flood-b-bkt/objects/mine.txt', headers: b, payload: 'b' });
  const results = await Promise.all([...flood, write]);
  t.same(new Set(results.map((r) => r.statusCode)), new Set([200, 201]));
  const idsOf = async (h: Record<string, string>) => {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page = (await app.inject({ method: 'GET', url: `/v1/events?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, headers: h })).json() as {
        events: { id: string }[];
        nextCursor: string | null;
      };
      ids.push(...page.events.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    return ids;
  };
  const tokenA = await createTenantKey(app, 'flood-a');
  const aIds = await idsOf({ authorization: `Bearer ${tokenA}` });
  const [bId] = await idsOf(b);
  t.equal(aIds.length, 4000);
  // Event ids grow with the order of recording: B's write went in at its turn, not after all of A's.
  const afterB = aIds.filter((id) => id > bId).length;
  t.ok(afterB > 2000, `B's event was recorded before ${afterB} of A's 4000 queued events`);
});

async function createTenantKey(app: Awaited<ReturnType<typeof testApp>>, id: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: `/admin/tenants/${id}/keys`, headers: admin });
  return res.json().apiKey as string;
}
