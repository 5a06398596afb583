import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type Test } from 'tap';
import { Webhook } from 'standardwebhooks';
import { WebhookSender } from '../../src/events/sender.js';
import { newWebhookSecret, signatureHeader } from '../../src/events/signer.js';
import type { Message } from '../../src/events/destinations/message.js';

/** An endpoint on loopback; counts the connections it accepted. */
async function endpoint(t: Test, handle: (req: IncomingMessage, res: ServerResponse, body: string) => void) {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => handle(req, res, body));
  });
  let connections = 0;
  server.on('connection', () => connections++);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, connections: () => connections };
}

/** A JSON message signed as messageOf signs one. */
function signed(secrets: string[], id: string, body: string): Message {
  const now = new Date();
  return {
    id,
    body,
    contentType: 'application/json',
    headers: { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': signatureHeader(secrets, id, now, body) },
  };
}

function sender(t: Test, timeoutMs = 500, allowPrivate = true) {
  const s = new WebhookSender({ timeoutMs, allowPrivate });
  t.teardown(() => s.close());
  return s;
}

test('a delivery is a signed POST; a 2xx answer is a success, and the connection is kept for the next', async (t) => {
  const secret = newWebhookSecret();
  const seen: { headers: IncomingMessage['headers']; body: string; url?: string }[] = [];
  const ep = await endpoint(t, (req, res, body) => {
    seen.push({ headers: req.headers, body, url: req.url });
    res.writeHead(204).end();
  });
  const s = sender(t);
  const body = JSON.stringify({ type: 's3:ObjectCreated:Put', data: { key: 'ä/b' } });
  for (const id of ['evt_1', 'evt_2', 'evt_3']) {
    const r = await s.send(ep.url, signed([secret], id, body));
    t.match(r, { ok: true, status: 204, error: null, excerpt: null });
    // undici puts the connection back in its pool once the answer's end is handled, just after this.
    await new Promise((r) => setImmediate(r));
  }
  t.equal(seen.length, 3);
  t.equal(seen[0].url, '/hook', 'the path of the subscription URL');
  t.equal(seen[0].headers['content-type'], 'application/json');
  t.equal(seen[1].headers['webhook-id'], 'evt_2');
  t.same(new Webhook(secret).verify(seen[0].body, seen[0].headers as Record<string, string>), JSON.parse(body), 'the reference library verifies it');
  t.equal(ep.connections(), 1, 'one keep-alive connection for all');
});

test('an error answer keeps the first KiB of its body, whole characters, and the attempt ends at once', async (t) => {
  const ep = await endpoint(t, (_req, res) => {
    res.writeHead(500, { 'content-type': 'text/plain' });
    // 1023 ASCII bytes and then 'é' (2 bytes) straddling the 1 KiB cut, then 4 MiB more that nobody reads.
    res.end('x'.repeat(1023) + 'é' + 'y'.repeat(4 * 1024 * 1024));
  });
  const r = await sender(t).send(ep.url, signed([newWebhookSecret()], 'evt_1', '{}'));
  t.match(r, { ok: false, status: 500, error: 'HTTP 500' });
  t.equal(r.excerpt, 'x'.repeat(1023), 'a character cut in half is left out, never mangled');
});

test('a redirect is not followed; Retry-After on 429 and 503 is read', async (t) => {
  let n = 0;
  const ep = await endpoint(t, (_req, res) => {
    n++;
    if (n === 1) res.writeHead(302, { location: 'http://example.com/' }).end();
    else if (n === 2) res.writeHead(429, { 'retry-after': '7' }).end('slow down');
    else res.writeHead(503, { 'retry-after': new Date(Date.now() + 60_000).toUTCString() }).end();
  });
  const s = sender(t);
  t.match(await s.send(ep.url, signed([newWebhookSecret()], 'evt_1', '{}')), { ok: false, status: 302, error: 'redirect to http://example.com/ not followed' });
  t.match(await s.send(ep.url, signed([newWebhookSecret()], 'evt_2', '{}')), { ok: false, status: 429, retryAfterMs: 7000, excerpt: 'slow down' });
  const third = await s.send(ep.url, signed([newWebhookSecret()], 'evt_3', '{}'));
  t.ok(third.retryAfterMs! > 50_000 && third.retryAfterMs! <= 60_000, `an HTTP date (${third.retryAfterMs} ms)`);
  t.equal(n, 3, 'nothing was sent to the redirect target');
});

test('the timeout bounds the whole attempt: no answer, or an answer that trickles its body', async (t) => {
  const silent = await endpoint(t, () => {});
  const trickle = await endpoint(t, (_req, res) => {
    res.writeHead(500);
    // A byte every 100 ms: each gap is far below the timeout, the whole is far above it.
    const timer = setInterval(() => res.write('.'), 100);
    res.on('close', () => clearInterval(timer));
  });
  const s = sender(t, 500);
  for (const ep of [silent, trickle]) {
    const started = performance.now();
    const r = await s.send(ep.url, signed([newWebhookSecret()], 'evt_1', '{}'));
    const took = performance.now() - started;
    t.match(r, { ok: false, status: null, error: 'no answer within 500 ms' });
    t.ok(took >= 450 && took < 1500, `ended after ${Math.round(took)} ms`);
  }
});

test('network failures and refused addresses are reported, not thrown', async (t) => {
  const strict = sender(t, 500, false);
  t.match(await strict.send('http://127.0.0.1:9/', signed([newWebhookSecret()], 'evt_1', '{}')), { ok: false, status: null, error: 'refused: 127.0.0.1 is a private or reserved address' });
  t.match(await strict.send('http://localhost:9/', signed([newWebhookSecret()], 'evt_1', '{}')), {
    ok: false,
    status: null,
    error: /^refused: localhost resolves only to private or reserved addresses/,
  });
  // A port nobody listens on any more.
  const dead = await new Promise<string>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/`;
      srv.close(() => resolve(url));
    });
  });
  t.match(await sender(t).send(dead, signed([newWebhookSecret()], 'evt_1', '{}')), { ok: false, status: null, error: /ECONNREFUSED/ });
});
