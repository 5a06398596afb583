import { execFileSync } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Teardown } from './http.js';

const closeServer = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/**
 * A forward HTTP proxy on 127.0.0.1 that counts what passes through it: absolute-form requests (to
 * http endpoints) and CONNECT tunnels (to https endpoints). An optional user:password is required.
 */
export async function forwardProxy(t: Teardown, auth?: string) {
  const seen: { method: string; target: string }[] = [];
  const sockets = new Set<net.Socket>();
  const authorized = (h: http.IncomingHttpHeaders) => !auth || h['proxy-authorization'] === `Basic ${Buffer.from(auth).toString('base64')}`;
  const server = http.createServer((req, res) => {
    if (!authorized(req.headers)) return void res.writeHead(407, { 'proxy-authenticate': 'Basic' }).end();
    seen.push({ method: req.method!, target: req.url! });
    const url = new URL(req.url!);
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = http.request({ host: url.hostname, port: url.port, method: req.method, path: url.pathname + url.search, headers }, (up) => {
      res.writeHead(up.statusCode!, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    if (!authorized(req.headers)) return void client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
    seen.push({ method: 'CONNECT', target: req.url! });
    const [host, port] = req.url!.split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  server.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    return closeServer(server);
  });
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://${auth ? auth + '@' : ''}127.0.0.1:${port}`, seen };
}

/** A TCP forwarder to `target` on a fixed loopback port that can be taken down (refusing connections) and brought back. */
export async function tcpForwarder(t: Teardown, target: URL) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const up = async () => {
    server = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 80), target.hostname);
      for (const s of [client, upstream]) sockets.add(s), s.on('close', () => sockets.delete(s)), s.on('error', () => {});
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  };
  const down = async () => {
    for (const s of sockets) s.destroy();
    if (server) await closeServer(server);
    server = undefined;
  };
  await up();
  t.teardown(down);
  return { url: `http://127.0.0.1:${port}`, up, down };
}

/** An HTTP server on 127.0.0.1 that answers every request with `status` and counts them. */
export async function failingEndpoint(t: Teardown, status = 500) {
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    req.resume();
    res.writeHead(status, { 'content-type': 'application/xml' }).end('<Error><Code>InternalError</Code><Message>always</Message></Error>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => (server.closeAllConnections(), closeServer(server)));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`, requests: () => requests };
}

/** A private CA and a certificate for 127.0.0.1 signed by it, made with openssl in dir. */
export function privateCa(dir: string): { ca: string; cert: string; key: string } {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=s3gate test CA');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return { ca: read('ca.pem'), cert: read('server.pem'), key: read('server.key') };
}

/** An HTTPS endpoint on 127.0.0.1 (certificate from privateCa) that forwards every request to an http target. */
export async function httpsFront(t: Teardown, tls: { cert: string; key: string }, target: URL) {
  const server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode!, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => (server.closeAllConnections(), closeServer(server)));
  return { url: `https://127.0.0.1:${(server.address() as net.AddressInfo).port}` };
}

/**
 * An endpoint that never completes a TCP handshake: a listening socket that never accepts, whose
 * accept queue is full, so the kernel drops further SYNs (the connection attempt hangs, as to a
 * host behind a black-holing firewall). Node accepts on its own, so the listener is a python3 process.
 */
export async function unconnectableEndpoint(t: Teardown): Promise<{ url: string }> {
  const { spawn } = await import('node:child_process');
  const child = spawn('python3', ['-c', 'import socket,sys,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(120)'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => child.kill());
  const port = Number(await new Promise<string>((resolve) => child.stdout!.once('data', (d) => resolve(String(d).trim()))));
  // Fill the accept queue (never accepted): further connection attempts get no answer.
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    fillers.push(s);
  }
  await new Promise((r) => setTimeout(r, 200));
  t.teardown(() => fillers.forEach((s) => s.destroy()));
  return { url: `http://127.0.0.1:${port}` };
}
