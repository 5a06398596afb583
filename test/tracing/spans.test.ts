import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import t from 'tap';
import { loadConfig } from '../../src/config.js';
import { startTracing } from '../../src/telemetry.js';
import { admin, bearer, createTenant, listen, testApp } from '../helpers/app.js';
import { doorUrl, sdk } from '../helpers/door.js';
import { receiver } from '../helpers/receiver.js';
import { rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';
import { until } from '../helpers/stall.js';

// One tracer provider for the process (as server.ts installs it), exporting to memory.
const exporter = new InMemorySpanExporter();
const stop = startTracing(loadConfig({}), { exporter });
t.teardown(stop);

const tracing = { enabled: true, serviceName: 's3gate-test', sampler: 'parentbased_always_on' as const, samplerArg: 1 };
const webhooks = {
  allowPrivate: true,
  timeoutMs: 2000,
  retrySchedule: [50, 50, 50],
  disableAfterMs: 60_000,
  concurrency: 8,
  endpointConcurrency: 2,
  pollMs: 50,
  retentionMs: 86_400_000,
  deliveryRetentionMs: 86_400_000,
  retentionIntervalMs: 3_600_000,
};

const spans = () => exporter.getFinishedSpans();
const inTrace = (traceId: string) => spans().filter((s) => s.spanContext().traceId === traceId);
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

t.test('tracing on RGW: a write, its S3 call, its event and its webhook deliveries are one trace', async (t) => {
  const app = await testApp(t, { config: { tracing, webhooks } });
  const base = await listen(app);
  const key = await createTenant(app, { id: 'traced', s3: rgwSettings(rgwUser('traced')) });
  const h = { ...bearer(key), 'content-type': 'application/json' };
  const bucket = uniqueBucket('trace');
  t.equal((await fetch(`${base}/v1/buckets/${bucket}`, { method: 'PUT', headers: bearer(key) })).status, 201);
  // The first attempt fails (500), the second is delivered: two attempt spans.
  const rx = await receiver(t, (n) => ({ status: n === 1 ? 500 : 200 }));
  t.equal((await fetch(`${base}/v1/webhooks`, { method: 'POST', headers: h, body: JSON.stringify({ url: rx.url, events: ['s3:ObjectCreated:*'] }) })).status, 201);

  // The caller's own trace: the gateway's spans join it.
  const traceId = hex(16);
  const callerSpan = hex(8);
  const put = await fetch(`${base}/v1/buckets/${bucket}/objects/photos/cat.jpg`, {
    method: 'PUT',
    headers: { ...bearer(key), 'content-type': 'image/jpeg', traceparent: `00-${traceId}-${callerSpan}-01` },
    body: randomBytes(1000),
  });
  t.equal(put.status, 201);
  await until(() => inTrace(traceId).filter((s) => s.name === 'webhook.deliver').length === 2, 10_000, 'two delivery attempts');

  const trace = inTrace(traceId);
  const request = trace.find((s) => s.kind === SpanKind.SERVER)!;
  t.ok(request, 'a SERVER span for the request');
  t.equal(request.name, 'PUT /v1/buckets/:bucket/objects/*');
  t.equal(parentOf(request), callerSpan, "the request span's parent is the caller's span");
  t.match(request.attributes, { 's3gate.tenant': 'traced', 's3gate.operation': 'putObject', 'http.response.status_code': 201, 'http.request.method': 'PUT', 's3gate.face': 'api' });
  t.equal(request.attributes['s3gate.code'], undefined, 'no error code on a success');

  const s3 = trace.filter((s) => s.name === 'S3.PutObject');
  t.equal(s3.length, 1, 'one S3 span for the PutObject');
  t.equal(s3[0].kind, SpanKind.CLIENT);
  t.equal(parentOf(s3[0]), request.spanContext().spanId, 'the S3 call is a child of the request');
  t.match(s3[0].attributes, {
    'rpc.system': 'aws-api',
    'rpc.method': 'PutObject',
    'aws.s3.bucket': bucket,
    'aws.s3.key': 'photos/cat.jpg',
    's3gate.tenant': 'traced',
    's3gate.attempts': 1,
    'http.response.status_code': 200,
  });
  t.type(s3[0].attributes['s3gate.pool.wait_ms'], 'number', 'its wait for a socket of the pool');
  t.type(s3[0].attributes['network.connection.reused'], 'boolean');

  const record = trace.find((s) => s.name === 'event.record')!;
  t.ok(record, 'an event.record span');
  t.equal(parentOf(record), request.spanContext().spanId, 'the event record is a child of the request');
  t.match(record.attributes, { 's3gate.tenant': 'traced', 's3gate.event.type': 's3:ObjectCreated:Put', 's3gate.events.recorded': 1 });
  t.ok(record.endTime[0] * 1e9 + record.endTime[1] <= request.endTime[0] * 1e9 + request.endTime[1], 'the event is recorded before the request ends');

  const deliveries = trace.filter((s) => s.name === 'webhook.deliver').sort((a, b) => Number(a.attributes['s3gate.delivery.attempt']) - Number(b.attributes['s3gate.delivery.attempt']));
  t.same(
    deliveries.map((d) => d.attributes['s3gate.delivery.attempt']),
    [1, 2],
  );
  for (const d of deliveries) {
    t.equal(parentOf(d), record.spanContext().spanId, 'each attempt is a child of the event record (across the outbox)');
    t.equal(d.kind, SpanKind.CLIENT);
    t.equal(d.attributes['s3gate.event.id'], record.attributes['s3gate.event.id']);
  }
  t.equal(deliveries[0].attributes['http.response.status_code'], 500);
  t.equal(deliveries[0].status.code, SpanStatusCode.ERROR);
  t.equal(deliveries[0].attributes['error.type'], '500');
  t.equal(deliveries[1].attributes['http.response.status_code'], 200);
  t.not(deliveries[1].status.code, SpanStatusCode.ERROR);
  // The endpoint is told the attempt's trace context (not part of the signed message).
  t.same(
    rx.received.map((r) => r.headers.traceparent),
    deliveries.map((d) => `00-${traceId}-${d.spanContext().spanId}-01`),
  );

  t.test("an S3 call that waits for a socket of its tenant's pool says how long", async (t) => {
    const narrowKey = await createTenant(app, { id: 'narrow', s3: rgwSettings(rgwUser('narrow')), pool: { maxSockets: 1 } });
    const b = uniqueBucket('narrow');
    t.equal((await fetch(`${base}/v1/buckets/${b}`, { method: 'PUT', headers: bearer(narrowKey) })).status, 201);
    exporter.reset();
    // 4 MiB each, so a PUT holds the one socket long enough for the others to queue behind it even
    // when a loaded machine spaces their arrival.
    const body = Buffer.alloc(4 * 1024 * 1024, 120);
    await Promise.all(Array.from({ length: 4 }, (_, i) => fetch(`${base}/v1/buckets/${b}/objects/k${i}`, { method: 'PUT', headers: bearer(narrowKey), body })));
    const waits = spans()
      .filter((s) => s.name === 'S3.PutObject' && s.attributes['s3gate.tenant'] === 'narrow')
      .map((s) => Number(s.attributes['s3gate.pool.wait_ms']));
    t.equal(waits.length, 4);
    t.ok(Math.max(...waits) > Math.min(...waits) + 0.5, `with one socket, the later calls waited (${waits.map((w) => w.toFixed(2)).join(', ')} ms)`);
  });

  t.test('a refused request carries its error code; a failed S3 call its S3 code', async (t) => {
    const traceId = hex(16);
    const res = await fetch(`${base}/v1/buckets/${bucket}/objects/missing.txt`, { headers: { ...bearer(key), traceparent: `00-${traceId}-${hex(8)}-01` } });
    t.equal(res.status, 404);
    const code = ((await res.json()) as { code: string }).code;
    await until(() => inTrace(traceId).some((s) => s.kind === SpanKind.SERVER), 5000, 'the request span');
    const request = inTrace(traceId).find((s) => s.kind === SpanKind.SERVER)!;
    t.match(request.attributes, { 's3gate.code': code, 'http.response.status_code': 404, 's3gate.operation': 'getObject' });
    t.not(request.status.code, SpanStatusCode.ERROR, 'a client error is not a server error');
    const s3 = inTrace(traceId).find((s) => s.kind === SpanKind.CLIENT)!;
    t.equal(s3.attributes['error.type'], 'NoSuchKey');
    t.equal(s3.attributes['http.response.status_code'], 404);
  });

  t.test("a caller's decision not to sample is followed: nothing of its request is recorded", async (t) => {
    exporter.reset();
    const traceId = hex(16);
    const res = await fetch(`${base}/v1/buckets/${bucket}/objects/photos/cat.jpg`, { headers: { ...bearer(key), traceparent: `00-${traceId}-${hex(8)}-00` } });
    t.equal(res.status, 200);
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, 100));
    t.same(inTrace(traceId), [], 'no span of the unsampled trace');
    t.same(
      spans().filter((s) => s.kind === SpanKind.SERVER || s.name.startsWith('S3.')),
      [],
      'and no other',
    );
  });

  t.test('requests without a traceparent start their own trace; health checks are not traced', async (t) => {
    exporter.reset();
    t.equal((await fetch(`${base}/v1/buckets/${bucket}/objects`, { headers: bearer(key) })).status, 200);
    t.equal((await fetch(`${base}/healthz`)).status, 200);
    await until(() => spans().some((s) => s.kind === SpanKind.SERVER), 5000, 'the request span');
    const servers = spans().filter((s) => s.kind === SpanKind.SERVER);
    t.same(
      servers.map((s) => s.name),
      ['GET /v1/buckets/:bucket/objects'],
    );
    t.equal(servers[0].parentSpanContext, undefined, 'a root span');
  });

  t.test('no credential reaches a span: API keys, ingest tokens and presigned signatures stay out', async (t) => {
    exporter.reset();
    const { token, path } = (await app.inject({ method: 'POST', url: '/admin/tenants/traced/ingest-token', headers: admin })).json() as { token: string; path: string };
    const ingest = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Records: [] }) });
    t.ok(ingest.status < 500);
    // A presigned tus URL of the gateway: its signature is the credential.
    const presign = (await (await fetch(`${base}/v1/presign`, { method: 'POST', headers: h, body: JSON.stringify({ method: 'TUS', bucket, key: 'resumable.bin', expiresIn: 600 }) })).json()) as {
      url: string;
    };
    const signature = new URL(presign.url).searchParams.get('signature');
    t.ok(signature, 'the presigned URL is signed');
    exporter.reset();
    const created = await fetch(presign.url, { method: 'POST', headers: { 'tus-resumable': '1.0.0', 'upload-length': '3' } });
    t.equal(created.status, 201);
    t.equal((await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Records: [] }) })).status, ingest.status);
    await until(() => spans().filter((s) => s.kind === SpanKind.SERVER).length === 2, 5000, 'two request spans');
    t.ok(
      spans().some((s) => s.attributes['s3gate.operation'] === 'tusCreate'),
      'the presigned tus creation is traced',
    );
    const ingestSpan = spans().find((s) => s.attributes['http.route'] === '/ingest/s3/:token')!;
    t.equal(ingestSpan.attributes['url.path'], '/ingest/s3/[redacted]');
    const everything = JSON.stringify(spans().map((s) => ({ name: s.name, attributes: s.attributes, events: s.events })));
    for (const [what, secret] of Object.entries({ 'API key': key, 'ingest token': token, signature: signature! })) t.notOk(everything.includes(secret), `no ${what} in any span`);
  });

  t.test('GraphQL requests name their operation', async (t) => {
    exporter.reset();
    const res = await fetch(`${base}/graphql`, { method: 'POST', headers: h, body: JSON.stringify({ query: 'query Listing { buckets { name } }' }) });
    t.equal(res.status, 200);
    await until(() => spans().some((s) => s.kind === SpanKind.SERVER), 5000, 'the request span');
    const request = spans().find((s) => s.kind === SpanKind.SERVER)!;
    t.match(request.attributes, { 's3gate.operation': 'query Listing', 's3gate.tenant': 'traced' });
    t.ok(
      spans().some((s) => s.name === 'S3.ListBuckets' && parentOf(s) === request.spanContext().spanId),
      "the resolver's S3 call is a child of the request",
    );

    // A body that arrives in two parts is read in the socket's context: the work after it still
    // belongs to the request's span.
    exporter.reset();
    const body = JSON.stringify({ query: 'query Slow { buckets { name } }' });
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${base}/graphql`, { method: 'POST', headers: { ...h, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(body.slice(0, 10));
      setTimeout(() => req.end(body.slice(10)), 100);
    });
    t.equal(status, 200);
    await until(() => spans().some((s) => s.kind === SpanKind.SERVER), 5000, 'the request span');
    const slow = spans().find((s) => s.kind === SpanKind.SERVER)!;
    t.equal(slow.attributes['s3gate.operation'], 'query Slow');
    t.ok(
      spans().some((s) => s.name === 'S3.ListBuckets' && parentOf(s) === slow.spanContext().spanId),
      'the S3 call after a slow body is a child of the request',
    );
  });

  t.test('the S3 door: one span per S3 operation, with S3 error codes', async (t) => {
    const s3key = (await app.inject({ method: 'POST', url: '/admin/tenants/traced/s3-keys', headers: admin })).json() as { accessKeyId: string; secretAccessKey: string };
    const client = sdk(await doorUrl(app), s3key);
    t.teardown(() => client.destroy());
    exporter.reset();
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'door.txt', Body: 'via the door' }));
    await t.rejects(client.send(new PutObjectCommand({ Bucket: 'no-such-bucket-' + hex(4), Key: 'x', Body: 'x' })));
    await until(() => spans().filter((s) => s.kind === SpanKind.SERVER).length === 2, 5000, 'two door spans');
    const [ok, refused] = spans()
      .filter((s) => s.kind === SpanKind.SERVER)
      .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
    t.match(ok.attributes, { 's3gate.face': 's3', 's3gate.operation': 'PutObject', 's3gate.tenant': 'traced', 'http.response.status_code': 200 });
    t.ok(
      spans().some((s) => s.name === 'S3.PutObject' && parentOf(s) === ok.spanContext().spanId),
      'its S3 call is a child',
    );
    t.match(refused.attributes, { 's3gate.face': 's3', 's3gate.code': 'NoSuchBucket', 'http.response.status_code': 404 });
  });
});

t.test('tracing is configured by the standard OTEL_ variables, and off without an endpoint', async (t) => {
  t.equal(loadConfig({}).tracing.enabled, false);
  t.equal(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }).tracing.enabled, true);
  t.equal(loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' }).tracing.enabled, true);
  t.equal(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' }).tracing.enabled, false);
  t.equal(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_EXPORTER: 'none' }).tracing.enabled, false);
  t.match(loadConfig({ OTEL_SERVICE_NAME: 'edge-gw', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).tracing, {
    serviceName: 'edge-gw',
    sampler: 'traceidratio',
    samplerArg: 0.25,
  });
  t.throws(() => loadConfig({ OTEL_TRACES_SAMPLER: 'sometimes' }), /OTEL_TRACES_SAMPLER must be one of/);
  t.throws(() => loadConfig({ OTEL_TRACES_SAMPLER_ARG: '2' }), /from 0 to 1/);
});
