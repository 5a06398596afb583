import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Teardown } from './http.js';

export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

export type Behaviour = (n: number, req: http.IncomingMessage) => { status: number; headers?: Record<string, string>; delayMs?: number; body?: string };

/** A webhook receiver on 127.0.0.1 whose answers a test scripts; it records every request. */
export async function receiver(t: Teardown, behaviour: Behaviour = () => ({ status: 200 })) {
  const received: Received[] = [];
  let behave = behaviour;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body, at: Date.now() });
      const r = behave(received.length, req);
      // unref: an answer still delayed when the test ends must not keep the test process alive.
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(r.status, r.headers).end(r.body ?? 'ok');
      }, r.delayMs ?? 0).unref();
    });
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    bodies: () => received.map((r) => JSON.parse(r.body) as { id: string; type: string; data: Record<string, unknown> }),
    setBehaviour: (b: Behaviour) => void (behave = b),
  };
}
