import t from 'tap';
import { admin, bearer, createTenant, listen, testApp } from '../helpers/app.js';
import { rawBytes as rawHttp } from '../helpers/http.js';
import { rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';

const codeOf = (body: string) => {
  try {
    return (JSON.parse(body) as { code?: string }).code;
  } catch {
    return `not JSON: ${body.slice(0, 80)}`;
  }
};

/** Regression tests of the attacker's findings against the REST face (issue 10, §5). */
t.test('REST under hostile input', async (t) => {
  const app = await testApp(t, { env: { S3GATE_HEADERS_TIMEOUT_MS: '400', S3GATE_IDLE_TIMEOUT_MS: '700', S3GATE_WEBHOOK_ALLOW_PRIVATE: 'true' } });
  const key = await createTenant(app, { id: 'hard', driver: 'disk' });
  const h = bearer(key);
  const base = await listen(app);
  const auth = `Authorization: Bearer ${key}\r\n`;
  await fetch(`${base}/v1/buckets/hard-bkt`, { method: 'PUT', headers: h });

  t.test('tenant content cannot run as a page of the gateway', async (t) => {
    await fetch(`${base}/v1/buckets/hard-bkt/objects/evil.html`, { method: 'PUT', headers: { ...h, 'content-type': 'text/html' }, body: '<script>alert(localStorage)</script>' });
    await fetch(`${base}/v1/buckets/hard-bkt/objects/pic.png`, { method: 'PUT', headers: { ...h, 'content-type': 'image/png' }, body: 'png' });
    await fetch(`${base}/v1/buckets/hard-bkt/objects/img.svg`, { method: 'PUT', headers: { ...h, 'content-type': 'image/svg+xml' }, body: '<svg/>' });
    const presign = async (k: string) =>
      (await (
        await fetch(`${base}/v1/presign`, { method: 'POST', headers: { ...h, 'content-type': 'application/json' }, body: JSON.stringify({ bucket: 'hard-bkt', key: k, method: 'GET', expiresIn: 60 }) })
      ).json()) as { url: string };
    for (const [k, attachment] of [
      ['evil.html', true],
      ['img.svg', true],
      ['pic.png', false],
    ] as const) {
      for (const [how, res] of [
        ['API', await fetch(`${base}/v1/buckets/hard-bkt/objects/${k}`, { headers: h })],
        ['presigned URL', await fetch((await presign(k)).url)],
      ] as const) {
        t.equal(res.status, 200, `${k} via ${how}`);
        t.equal(res.headers.get('x-content-type-options'), 'nosniff');
        t.match(res.headers.get('content-security-policy'), /^sandbox;.*default-src 'none'/, `${k} via ${how}: a sandboxing CSP`);
        t.equal(res.headers.get('content-disposition'), attachment ? 'attachment' : null, `${k} via ${how}: ${attachment ? 'a download' : 'shown inline'}`);
        await res.arrayBuffer();
      }
    }
    t.equal((await fetch(`${base}/healthz`)).headers.get('x-content-type-options'), 'nosniff', 'every answer is nosniff');
  });

  t.test('the Host header does not decide the URLs the gateway hands out', async (t) => {
    const body = JSON.stringify({ bucket: 'hard-bkt', key: 'pic.png', method: 'GET', expiresIn: 60 });
    const presignWithHost = async (host: string) => {
      const res = await rawHttp(
        base,
        `POST /v1/presign HTTP/1.1\r\nHost: ${host}\r\n${auth}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return (JSON.parse(res.body) as { url: string }).url;
    };
    const url = await presignWithHost('evil.example');
    t.ok(url.startsWith(`${base}/v1/presigned/`), `signed on the address the connection reached: ${url}`);
    t.notMatch(url, /evil/);
    t.notMatch(await presignWithHost('10.255.255.1:6379'), /10\.255/);
  });

  t.test('times a Date cannot hold are a 400, not a 500', async (t) => {
    const list = await fetch(`${base}/v1/events?since=2026-12-31T23:59:60Z`, { headers: h });
    t.equal(list.status, 400);
    t.equal(((await list.json()) as { code: string }).code, 'S3GATE_VALIDATION');
    const hook = await fetch(`${base}/v1/webhooks`, { method: 'POST', headers: { ...h, 'content-type': 'application/json' }, body: JSON.stringify({ url: 'http://127.0.0.1:9/hook', events: ['*'] }) });
    const { id } = (await hook.json()) as { id: string };
    const replay = await fetch(`${base}/v1/webhooks/${id}/replay`, {
      method: 'POST',
      headers: { ...h, 'content-type': 'application/json' },
      body: JSON.stringify({ since: '2026-01-01T00:00:00Z', until: '2026-12-31T23:59:60Z' }),
    });
    t.equal(replay.status, 400);
    t.equal(((await replay.json()) as { code: string }).code, 'S3GATE_VALIDATION');
  });

  t.test('tenant limits beyond any sensible value are refused, and the tenant list keeps working', async (t) => {
    const res = await app.inject({ method: 'POST', url: '/admin/tenants', headers: admin, payload: { id: 'huge-rate', driver: 'disk', limits: { requestsPerSecond: 1e308 } } });
    t.equal(res.statusCode, 400);
    t.equal(res.json().code, 'S3GATE_VALIDATION');
    t.equal((await app.inject({ method: 'GET', url: '/admin/tenants', headers: admin })).statusCode, 200);
  });

  t.test('a malformed multipart form is a 400 with what to fix', async (t) => {
    const form = (contentType: string, body: string) =>
      rawHttp(base, `POST /v1/buckets/hard-bkt/objects HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: ${contentType}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    const file = (b: string) => `--${b}\r\nContent-Disposition: form-data; name="file"; filename="f.txt"\r\n\r\nhello\r\n`;
    for (const [what, res] of [
      ['a boundary the body does not use', await form('multipart/form-data; boundary=XYZ', file('ABC') + '--ABC--\r\n')],
      ['no boundary', await form('multipart/form-data', file('ABC') + '--ABC--\r\n')],
      ['no closing delimiter', await form('multipart/form-data; boundary=ABC', file('ABC'))],
      ['a part without headers', await form('multipart/form-data; boundary=ABC', '--ABC\r\nGarbage\r\n\r\nhello\r\n--ABC--\r\n')],
    ] as const) {
      t.equal(res.status, 400, what);
      t.equal(codeOf(res.body), 'S3GATE_INVALID_UPLOAD', what);
    }
    const listed = (await (await fetch(`${base}/v1/buckets/hard-bkt/objects`, { headers: h })).json()) as { objects: { key: string }[] };
    t.notOk(
      listed.objects.some((o) => o.key === 'f.txt'),
      'no half-received file was stored',
    );
  });

  t.test('HTTP the parser refuses still gets the error shape with a code', async (t) => {
    for (const [what, bytes, status, code] of [
      ['a bad Content-Length', 'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 400, 'S3GATE_MALFORMED_REQUEST'],
      [
        'Content-Length and chunked',
        `PUT /v1/buckets/hard-bkt/objects/x HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
        400,
        'S3GATE_MALFORMED_REQUEST',
      ],
      ['bad chunk framing', `PUT /v1/buckets/hard-bkt/objects/x HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`, 400, 'S3GATE_MALFORMED_REQUEST'],
      ['a NUL in a header', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n', 400, 'S3GATE_MALFORMED_REQUEST'],
      ['bad percent-encoding', `GET /v1/buckets/%E0%A4%A/objects/x HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`, 400, 'S3GATE_MALFORMED_REQUEST'],
      ['a 10 KB path parameter', `GET /v1/buckets/${'a'.repeat(10_000)}/objects/x HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`, 414, 'S3GATE_URL_TOO_LONG'],
      ['headers over 16 KB', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'S3GATE_HEADERS_TOO_LARGE'],
    ] as const) {
      const res = await rawHttp(base, bytes);
      t.equal(res.status, status, what);
      t.equal(codeOf(res.body), code, what);
    }
    t.equal((await fetch(`${base}/healthz`)).status, 200, 'the gateway is still up');
  });

  t.test('a client that sends its headers too slowly is cut off with 408', async (t) => {
    const started = Date.now();
    const res = await rawHttp(base, 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ', 5000);
    t.ok(Date.now() - started < 4000, `closed after ${Date.now() - started} ms`);
    t.equal(res.status, 408);
    t.equal(codeOf(res.body), 'S3GATE_REQUEST_TIMEOUT');
  });

  t.test('an idle connection is closed, and an upload that keeps moving is not', async (t) => {
    const started = Date.now();
    await rawHttp(base, '', 5000);
    t.ok(Date.now() - started < 4000, `an idle connection was closed after ${Date.now() - started} ms`);
    // 12 chunks 150 ms apart: 1.8 s in all, longer than the 0.7 s idle timeout.
    const chunks = Array.from({ length: 12 }, (_, i) => `chunk-${i};`);
    const body = new ReadableStream({
      async pull(controller) {
        const next = chunks.shift();
        if (next === undefined) return controller.close();
        await new Promise((r) => setTimeout(r, 150));
        controller.enqueue(new TextEncoder().encode(next));
      },
    });
    const res = await fetch(`${base}/v1/buckets/hard-bkt/objects/slow.txt`, { method: 'PUT', headers: h, body, duplex: 'half' } as RequestInit);
    t.equal(res.status, 201);
    t.match(await (await fetch(`${base}/v1/buckets/hard-bkt/objects/slow.txt`, { headers: h })).text(), /^chunk-0;.*chunk-11;$/);
  });
});

t.test('a Host header listed in S3GATE_ALLOWED_HOSTS names the gateway; S3GATE_PUBLIC_URL wins over both', async (t) => {
  for (const [env, expected] of [
    [{ S3GATE_ALLOWED_HOSTS: 'files.example:8080, other.example' }, 'http://files.example:8080/v1/presigned/'],
    [{ S3GATE_ALLOWED_HOSTS: 'files.example:8080', S3GATE_PUBLIC_URL: 'https://gw.example/' }, 'https://gw.example/v1/presigned/'],
  ] as const) {
    const app = await testApp(t, { env });
    const key = await createTenant(app, { id: 'hosts', driver: 'disk' });
    const base = await listen(app);
    await fetch(`${base}/v1/buckets/hosts-bkt`, { method: 'PUT', headers: bearer(key) });
    const body = JSON.stringify({ bucket: 'hosts-bkt', key: 'k', method: 'GET', expiresIn: 60 });
    const res = await rawHttp(
      base,
      `POST /v1/presign HTTP/1.1\r\nHost: files.example:8080\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    t.ok((JSON.parse(res.body) as { url: string }).url.startsWith(expected), expected);
    await app.close();
  }
});

t.test('/metrics takes S3GATE_METRICS_TOKEN when it is set', async (t) => {
  const open = await testApp(t);
  t.equal((await open.inject({ method: 'GET', url: '/metrics' })).statusCode, 200, 'open when unset');
  const app = await testApp(t, { env: { S3GATE_METRICS_TOKEN: 'metrics-secret-123' } });
  await createTenant(app, { id: 'secret-tenant-name', driver: 'disk' });
  const anon = await app.inject({ method: 'GET', url: '/metrics' });
  t.equal(anon.statusCode, 401);
  t.equal(anon.json().code, 'S3GATE_METRICS_UNAUTHORIZED');
  t.notMatch(anon.body, /secret-tenant-name/);
  t.equal((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer wrong' } })).statusCode, 401);
  const ok = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer metrics-secret-123' } });
  t.equal(ok.statusCode, 200);
  t.match(ok.body, /s3gate_http_request_duration_seconds/);
});

t.test('an ingest token never appears in the logs', async (t) => {
  const lines: string[] = [];
  const app = await testApp(t, { logStream: { write: (l) => void lines.push(l) } });
  await createTenant(app, { id: 'quiet', driver: 'disk' });
  const { token, path } = (await app.inject({ method: 'POST', url: '/admin/tenants/quiet/ingest-token', headers: admin })).json();
  await app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json' }, payload: { Records: [] } });
  await app.inject({ method: 'POST', url: path + 'x', headers: { 'content-type': 'application/json' }, payload: { Records: [] } });
  t.ok(
    lines.some((l) => l.includes('/ingest/s3/[redacted]')),
    'the request is logged, redacted',
  );
  t.notOk(
    lines.some((l) => l.includes(token.slice(4, 20))),
    'the token is in no line',
  );
});

t.test('Range numbers beyond 2^53 and an empty suffix on an S3 tenant (RGW)', async (t) => {
  const app = await testApp(t);
  const key = await createTenant(app, { id: 'ranges', s3: rgwSettings(rgwUser('ranges')) });
  const h = bearer(key);
  const bucket = uniqueBucket('rng');
  await app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}`, headers: h });
  await app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}/objects/r.txt`, headers: h, payload: '0123456789abcdef' });
  const get = (range: string) => app.inject({ method: 'GET', url: `/v1/buckets/${bucket}/objects/r.txt`, headers: { ...h, range } });
  const huge = await get('bytes=0-99999999999999999999999');
  t.equal(huge.statusCode, 206);
  t.equal(huge.headers['content-range'], 'bytes 0-15/16');
  t.equal(huge.body, '0123456789abcdef', 'an end past the object means its end');
  const hugeStart = await get('bytes=99999999999999999999999-');
  t.equal(hugeStart.statusCode, 416);
  t.equal(hugeStart.json().code, 'S3GATE_RANGE_NOT_SATISFIABLE');
  const emptySuffix = await get('bytes=-0');
  t.equal(emptySuffix.statusCode, 416, 'an empty suffix selects nothing (RFC 9110), as on the disk driver');
  t.equal(emptySuffix.headers['content-range'], 'bytes */16');
  const hugeSuffix = await get('bytes=-99999999999999999999999');
  t.equal(hugeSuffix.statusCode, 206);
  t.equal(hugeSuffix.body, '0123456789abcdef');
});

t.test('a body over a limit says the limit that applied, on every face', async (t) => {
  const app = await testApp(t);
  const key = await createTenant(app, { id: 'limits', driver: 'disk', limits: { maxObjectSize: 10 } });
  const h = bearer(key);
  const json = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: { ...h, 'content-type': 'application/json' }, payload: JSON.stringify({ url: 'x'.repeat(2 * 1024 * 1024) }) });
  t.equal(json.statusCode, 413);
  t.equal(json.json().code, 'S3GATE_PAYLOAD_TOO_LARGE');
  t.match(json.json().message, /limit of 1048576 bytes for a request body on this route/);
  const gql = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { ...h, 'content-type': 'application/json' },
    payload: JSON.stringify({ query: `{ buckets { name } } # ${'x'.repeat(3 * 1024 * 1024)}` }),
  });
  t.equal(gql.statusCode, 413);
  t.equal(gql.json().errors[0].extensions.code, 'S3GATE_PAYLOAD_TOO_LARGE');
  t.match(gql.json().errors[0].message, /limit of 2162688 bytes for a request body on this route/, "GraphQL's own, larger limit");
  await app.inject({ method: 'PUT', url: '/v1/buckets/limits-bkt', headers: h });
  const object = await app.inject({ method: 'PUT', url: '/v1/buckets/limits-bkt/objects/big', headers: h, payload: 'more than ten bytes' });
  t.equal(object.statusCode, 413);
  t.match(object.json().message, /this tenant's limit of 10 bytes \(limits\.maxObjectSize\)/);
  const inline = await app.inject({
    method: 'POST',
    url: '/graphql',
    headers: { ...h, 'content-type': 'application/json' },
    payload: JSON.stringify({ query: 'mutation { putObject(bucket: "limits-bkt", key: "g", content: "more than ten bytes") { key } }' }),
  });
  t.equal(inline.json().errors[0].extensions.code, 'S3GATE_PAYLOAD_TOO_LARGE', 'the same code through GraphQL');
});

t.test("S3's EntityTooLarge names the endpoint's limit, not the tenant's", async (t) => {
  const { mapS3Error } = await import('../../src/s3/map-error.js');
  const withMax = mapS3Error(Object.assign(new Error('too big'), { name: 'EntityTooLarge', MaxSizeAllowed: '5368709120', $metadata: { httpStatusCode: 400 } }));
  t.match(withMax, { code: 'S3GATE_PAYLOAD_TOO_LARGE', statusCode: 413, message: /S3 endpoint's limit of 5368709120 bytes/ });
  const without = mapS3Error(Object.assign(new Error('too big'), { name: 'EntityTooLarge', $metadata: { httpStatusCode: 400 } }));
  t.match(without.message, /S3 endpoint's limit for one request/);
  t.notMatch(without.message, /limit of 0 bytes/);
  t.equal((mapS3Error(new ReferenceError('x is not defined')) as Error & { code: string }).code, 'S3GATE_INTERNAL', "a bug of the gateway's own is not reported as the endpoint being unreachable");
  t.equal((mapS3Error(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) as Error & { code: string }).code, 'S3GATE_UPSTREAM_UNAVAILABLE');
});

t.test('Expect: 100-continue is answered only after the API key and rate limit have passed: a refused upload never sends its body', async (t) => {
  const { request } = await import('node:http');
  const app = await testApp(t);
  const key = await createTenant(app, { id: 'cont', driver: 'disk' });
  await app.inject({ method: 'PUT', url: '/v1/buckets/cont-b', headers: bearer(key) });
  const base = await listen(app);
  const send = (headers: Record<string, string>) =>
    new Promise<{ continued: boolean; status: number }>((resolve, reject) => {
      let continued = false;
      const req = request(`${base}/v1/buckets/cont-b/objects/k`, { method: 'PUT', headers: { 'content-length': '5', 'content-type': 'text/plain', expect: '100-continue', ...headers } });
      req.on('continue', () => {
        continued = true;
        req.end('hello');
      });
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve({ continued, status: res.statusCode ?? 0 }));
      });
      req.on('error', reject);
      req.flushHeaders();
    });
  t.same(await send(bearer(key)), { continued: true, status: 201 }, 'a good request gets 100, then sends its body');
  t.same(await send(bearer('s3g_' + 'x'.repeat(43))), { continued: false, status: 401 }, 'an unknown key is refused before any 100');
});
