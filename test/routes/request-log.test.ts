import t from 'tap';
import { tempDir, testApp } from '../helpers/app.js';
import { apiKey, gatewayProcess } from '../helpers/process.js';
import { until } from '../helpers/stall.js';

const h = { authorization: `Bearer ${apiKey}` };

async function traffic(base: string) {
  await fetch(`${base}/healthz`).then((r) => r.arrayBuffer());
  await fetch(`${base}/v1/buckets/logged`, { method: 'PUT', headers: h }).then((r) => r.arrayBuffer());
  await fetch(`${base}/v1/buckets/logged/objects/a.txt?signature=secret-sig`, { method: 'PUT', headers: h, body: 'a' }).then((r) => r.arrayBuffer());
  await fetch(`${base}/v1/buckets/logged/objects/missing.txt`, { headers: h }).then((r) => r.arrayBuffer());
}

t.test('S3GATE_LOG_FORMAT=pretty: one readable line per request, health checks quiet', async (t) => {
  const gw = await gatewayProcess(t, tempDir(t), { S3GATE_LOG_FORMAT: 'pretty', LOG_LEVEL: 'info' });
  await traffic(gw.base);
  await until(() => gw.output().includes('missing.txt'), 10_000, 'the last request line');
  const lines = gw
    .output()
    .split('\n')
    .filter((l) => /^\[.*(\/v1\/|\/healthz)/.test(l));
  t.equal(lines.length, 3, `three requests, three lines:\n${lines.join('\n')}`);
  t.match(lines[0], /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO.*: PUT \/v1\/buckets\/logged 201 [\d.]+ ms {2}tenant=dur$/);
  t.match(lines[1], /PUT \/v1\/buckets\/logged\/objects\/a\.txt\?signature=\[redacted\] 201 [\d.]+ ms/);
  t.match(lines[2], /GET \/v1\/buckets\/logged\/objects\/missing\.txt 404 [\d.]+ ms {2}S3GATE_OBJECT_NOT_FOUND {2}tenant=dur$/);
  t.notMatch(gw.output(), /incoming request|"level"|secret-sig/);
});

t.test('not a terminal (or S3GATE_LOG_FORMAT=json): JSON, still one line per request', async (t) => {
  const gw = await gatewayProcess(t, tempDir(t), { LOG_LEVEL: 'info' });
  await traffic(gw.base);
  await until(() => gw.output().includes('missing.txt'), 10_000, 'the last request line');
  const requests = gw
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, any>)
    .filter((l) => l.req);
  t.same(
    requests.map((r) => [r.msg, r.req.method, r.req.url, r.res.statusCode, r.code ?? null, r.tenant]),
    [
      ['request completed', 'PUT', '/v1/buckets/logged', 201, null, 'dur'],
      ['request completed', 'PUT', '/v1/buckets/logged/objects/a.txt?signature=[redacted]', 201, null, 'dur'],
      ['request completed', 'GET', '/v1/buckets/logged/objects/missing.txt', 404, 'S3GATE_OBJECT_NOT_FOUND', 'dur'],
    ],
  );
  for (const r of requests) t.type(r.responseTime, 'number');
  t.notMatch(gw.output(), /healthz|incoming request/);
});

t.test("X-Request-Id: a caller's id that looks like one is kept and echoed; anything else is replaced", async (t) => {
  const app = await testApp(t);
  const idOf = async (given?: string) => (await app.inject({ method: 'GET', url: '/healthz', headers: given === undefined ? {} : { 'x-request-id': given } })).headers['x-request-id'];
  t.equal(await idOf('trace-42.A_b'), 'trace-42.A_b');
  t.match(await idOf(), /^[0-9a-f-]{36}$/, 'one is made when none is sent');
  for (const bad of ['x'.repeat(129), 'has space', 'quote"d', '{"level":60}', '']) t.match(await idOf(bad), /^[0-9a-f-]{36}$/, `replaced: ${bad.slice(0, 20)}`);
});
