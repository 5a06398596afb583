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
