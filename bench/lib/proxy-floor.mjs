// The CPU floor of any Node proxy of a GET: a bare node:http server that forwards GET /<n> to the n-th of
// the presigned URLs it reads (one per line) from the file named in argv, over keep-alive connections, and
// pipes the answer back. No framework, no signing, no auth, no logging: only the two hops every proxy
// makes. argv: port urls-file client, client `undici` (a Pool of 32) or `http` (a node:http Agent of 32).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { pipeline } from 'node:stream';
import { Pool } from 'undici';

const [port, file, client] = process.argv.slice(2);
const urls = readFileSync(file, 'utf8')
  .trim()
  .split('\n')
  .map((u) => new URL(u));
const origin = urls[0].origin;
const pool = new Pool(origin, { connections: 32, pipelining: 1 });
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

const answer = (res, status, headers, body) => {
  res.writeHead(status, { 'content-type': headers['content-type'], 'content-length': headers['content-length'], etag: headers.etag });
  pipeline(body, res, () => {});
};

const server = http.createServer((req, res) => {
  const u = urls[Number(req.url.slice(1)) % urls.length];
  const path = u.pathname + u.search;
  if (client === 'undici') {
    pool.request({ method: 'GET', path }).then(
      ({ statusCode, headers, body }) => answer(res, statusCode, headers, body),
      () => res.destroy(),
    );
  } else {
    const up = http.request({ hostname: u.hostname, port: u.port, path, agent }, (r) => answer(res, r.statusCode, r.headers, r));
    up.on('error', () => res.destroy());
    up.end();
  }
});
server.keepAliveTimeout = 60_000;
server.listen(Number(port), '127.0.0.1', () => process.stdout.write('up\n'));
