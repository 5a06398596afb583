import http from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { tempDir } from '../helpers/app.js';
import { apiKey, gatewayProcess } from '../helpers/process.js';
import type { Teardown } from '../helpers/http.js';

/** An OTLP/HTTP collector on loopback that keeps what it is sent. */
async function collector(t: Teardown) {
  const posts: { path: string; type: string | undefined; body: Buffer }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', type: req.headers['content-type'], body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posts };
}

t.test('npm start with OTEL_EXPORTER_OTLP_ENDPOINT exports its spans over OTLP/HTTP, and flushes them on SIGTERM', async (t) => {
  const otlp = await collector(t);
  const dataDir = tempDir(t);
  const { base, child } = await gatewayProcess(t, dataDir, { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_SERVICE_NAME: 'gw-under-test' });
  const h = { authorization: `Bearer ${apiKey}` };
  t.equal((await fetch(`${base}/v1/buckets/exported`, { method: 'PUT', headers: h })).status, 201);
  t.equal((await fetch(`${base}/v1/buckets/exported/objects/a.txt`, { method: 'PUT', headers: h, body: 'hello' })).status, 201);
  // The batch is sent on its schedule (5 s) or at shutdown, whichever comes first.
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'exits 0 after flushing');
  const traces = otlp.posts.filter((p) => p.path === '/v1/traces');
  t.ok(traces.length >= 1, 'spans were posted to /v1/traces');
  t.equal(traces[0]?.type, 'application/x-protobuf');
  const all = Buffer.concat(traces.map((p) => p.body)).toString('latin1');
  for (const text of ['gw-under-test', 'PUT /v1/buckets/:bucket/objects/*', 'putObject', 'event.record', 'dur']) t.ok(all.includes(text), `the export holds ${text}`);
});
