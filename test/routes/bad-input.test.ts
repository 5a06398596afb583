import t from 'tap';
import { encodeKeyPath as enc } from '../../src/lib/url-signer.js';
import { admin, bearer, createTenant, testApp } from '../helpers/app.js';
import { rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';

/** Each bad request gets a clear 4xx with a stable code, and changes nothing. */
t.test('bad input', async (t) => {
  const app = await testApp(t);
  const keyA = await createTenant(app, { id: 'alpha', s3: rgwSettings(rgwUser('alpha')) });
  const keyB = await createTenant(app, { id: 'beta', s3: rgwSettings(rgwUser('beta')) });
  const diskKey = await createTenant(app, { id: 'gamma', driver: 'disk' });
  const bucketA = uniqueBucket('alpha');
  t.equal((await app.inject({ method: 'PUT', url: `/v1/buckets/${bucketA}`, headers: bearer(keyA) })).statusCode, 201);
  await app.inject({ method: 'PUT', url: `/v1/buckets/${bucketA}/objects/secret.txt`, headers: bearer(keyA), payload: 'for alpha only' });

  const expectError = async (t: Tap, res: { statusCode: number; json(): any }, status: number, code: string) => {
    t.equal(res.statusCode, status, `status ${status}`);
    const body = res.json();
    t.equal(body.code, code);
    t.equal(body.statusCode, status);
    t.type(body.error, 'string');
    t.ok(body.message.length > 10, `message says what to fix: ${body.message}`);
  };
  type Tap = typeof t;

  t.test('a number in a query that is not finite gets 400, not 500', async (t) => {
    // Found by npm run fuzz: Ajv coerces "Infinity" or "1e400" to a number and then skips its bounds.
    for (const url of ['/v1/events?limit=Infinity', '/v1/events?cursor=1&limit=-Infinity', `/v1/buckets/${bucketA}/objects?limit=1e400`, '/v1/events?limit=1e999']) {
      await expectError(t, await app.inject({ method: 'GET', url, headers: bearer(keyA) }), 400, 'S3GATE_VALIDATION');
    }
    t.equal((await app.inject({ method: 'GET', url: '/v1/events?limit=5&prefix=Infinity', headers: bearer(keyA) })).statusCode, 200, 'a text value that reads Infinity is text');
  });

  t.test('a missing, malformed or unknown API key gets 401', async (t) => {
    await expectError(t, await app.inject({ method: 'GET', url: '/v1/buckets' }), 401, 'S3GATE_UNAUTHORIZED');
    await expectError(t, await app.inject({ method: 'GET', url: '/v1/buckets', headers: { authorization: 'Basic abc' } }), 401, 'S3GATE_UNAUTHORIZED');
    await expectError(t, await app.inject({ method: 'GET', url: '/v1/buckets', headers: bearer('s3g_' + 'x'.repeat(43)) }), 401, 'S3GATE_UNAUTHORIZED');
    await expectError(t, await app.inject({ method: 'GET', url: '/admin/tenants', headers: bearer(keyA) }), 401, 'S3GATE_ADMIN_UNAUTHORIZED');
    await expectError(t, await app.inject({ method: 'GET', url: '/admin/tenants' }), 401, 'S3GATE_ADMIN_UNAUTHORIZED');
  });

  t.test("another tenant's bucket is indistinguishable from an absent one", async (t) => {
    const absent = uniqueBucket('absent');
    for (const bucket of [bucketA, absent]) {
      t.equal((await app.inject({ method: 'HEAD', url: `/v1/buckets/${bucket}`, headers: bearer(keyB) })).statusCode, 404);
      await expectError(t, await app.inject({ method: 'GET', url: `/v1/buckets/${bucket}/objects`, headers: bearer(keyB) }), 404, 'S3GATE_BUCKET_NOT_FOUND');
    }
    const read = await app.inject({ method: 'GET', url: `/v1/buckets/${bucketA}/objects/secret.txt`, headers: bearer(keyB) });
    t.equal(read.statusCode, 404);
    t.notMatch(read.body, /for alpha only/);
    const list = (await app.inject({ method: 'GET', url: '/v1/buckets', headers: bearer(keyB) })).json();
    t.notOk(
      list.buckets.some((b: { name: string }) => b.name === bucketA),
      'not listed for beta',
    );
    // The disk driver keeps tenants apart the same way.
    t.equal((await app.inject({ method: 'HEAD', url: `/v1/buckets/${bucketA}`, headers: bearer(diskKey) })).statusCode, 404);
    t.equal((await app.inject({ method: 'GET', url: `/v1/buckets/${bucketA}/objects/secret.txt`, headers: bearer(keyA) })).body, 'for alpha only', 'still there');
  });

  t.test('invalid bucket names get 400 before any S3 call', async (t) => {
    for (const name of ['ab', 'UPPER', 'under_score', '-dash', 'a..b', '192.168.1.1', 'x'.repeat(64), 'xn--punycode']) {
      await expectError(t, await app.inject({ method: 'PUT', url: `/v1/buckets/${name}`, headers: bearer(keyA) }), 400, 'S3GATE_INVALID_BUCKET_NAME');
    }
  });

  t.test('empty keys, keys over 1024 bytes and control characters get 400', async (t) => {
    const url = (k: string) => `/v1/buckets/${bucketA}/objects/${enc(k)}`;
    await expectError(t, await app.inject({ method: 'PUT', url: `/v1/buckets/${bucketA}/objects/`, headers: bearer(keyA), payload: 'x' }), 400, 'S3GATE_INVALID_KEY');
    await expectError(t, await app.inject({ method: 'PUT', url: url('é'.repeat(513)), headers: bearer(keyA), payload: 'x' }), 400, 'S3GATE_INVALID_KEY');
    t.equal((await app.inject({ method: 'PUT', url: url('é'.repeat(512)), headers: bearer(keyA), payload: 'x' })).statusCode, 201, '1024 bytes is allowed');
    await expectError(t, await app.inject({ method: 'PUT', url: url('bell\u0007'), headers: bearer(keyA), payload: 'x' }), 400, 'S3GATE_INVALID_KEY');
    await expectError(t, await app.inject({ method: 'GET', url: `/v1/buckets/${bucketA}/objects/`, headers: bearer(keyA) }), 400, 'S3GATE_INVALID_KEY');
  });

  t.test('malformed JSON gets 400 and a wrong content type 415', async (t) => {
    const h = { ...bearer(keyA), 'content-type': 'application/json' };
    await expectError(t, await app.inject({ method: 'POST', url: '/v1/copy', headers: h, payload: '{"source":' }), 400, 'S3GATE_INVALID_JSON');
    await expectError(t, await app.inject({ method: 'POST', url: `/v1/buckets/${bucketA}/delete`, headers: h, payload: '' }), 400, 'S3GATE_INVALID_JSON');
    await expectError(t, await app.inject({ method: 'POST', url: '/v1/copy', headers: { ...bearer(keyA), 'content-type': 'text/plain' }, payload: 'source=x' }), 415, 'S3GATE_UNSUPPORTED_MEDIA_TYPE');
    await expectError(t, await app.inject({ method: 'POST', url: '/v1/copy', headers: h, payload: { source: { bucket: bucketA } } }), 400, 'S3GATE_VALIDATION');
    await expectError(t, await app.inject({ method: 'POST', url: '/v1/presign', headers: h, payload: { bucket: bucketA, key: 'k', method: 'DELETE', expiresIn: 5 } }), 400, 'S3GATE_VALIDATION');
    await expectError(t, await app.inject({ method: 'GET', url: `/v1/buckets/${bucketA}/objects?limit=5000`, headers: bearer(keyA) }), 400, 'S3GATE_VALIDATION');
  });

  t.test('a batch delete of more than 1000 keys gets 400 and deletes nothing', async (t) => {
    const keys = Array.from({ length: 1001 }, (_, i) => `k${i}`);
    keys[0] = 'secret.txt';
    await expectError(t, await app.inject({ method: 'POST', url: `/v1/buckets/${bucketA}/delete`, headers: bearer(keyA), payload: { keys } }), 400, 'S3GATE_TOO_MANY_KEYS');
    t.equal((await app.inject({ method: 'HEAD', url: `/v1/buckets/${bucketA}/objects/secret.txt`, headers: bearer(keyA) })).statusCode, 200);
  });

  t.test('user metadata that S3 cannot carry gets 400', async (t) => {
    const url = `/v1/buckets/${bucketA}/objects/meta.txt`;
    await expectError(t, await app.inject({ method: 'PUT', url, headers: { ...bearer(keyA), 'x-meta-big': 'v'.repeat(2100) }, payload: 'x' }), 400, 'S3GATE_INVALID_METADATA');
    t.equal((await app.inject({ method: 'HEAD', url, headers: bearer(keyA) })).statusCode, 404, 'nothing stored');
  });

  t.test('unknown routes and tenants get 404 with a code', async (t) => {
    await expectError(t, await app.inject({ method: 'GET', url: '/v2/nothing' }), 404, 'S3GATE_ROUTE_NOT_FOUND');
    await expectError(t, await app.inject({ method: 'GET', url: '/admin/tenants/nobody', headers: admin }), 404, 'S3GATE_TENANT_NOT_FOUND');
    await expectError(t, await app.inject({ method: 'POST', url: '/admin/tenants', headers: admin, payload: { id: 'alpha', driver: 'disk' } }), 409, 'S3GATE_TENANT_EXISTS');
    await expectError(t, await app.inject({ method: 'POST', url: '/admin/tenants', headers: admin, payload: { id: 'Bad Id', driver: 'disk' } }), 400, 'S3GATE_VALIDATION');
    await expectError(t, await app.inject({ method: 'POST', url: '/admin/tenants', headers: admin, payload: { id: 'nos3', driver: 's3' } }), 400, 'S3GATE_INVALID_TENANT');
  });

  t.test('a tenant whose S3 credentials are wrong gets a 502 that says so', async (t) => {
    const bad = await createTenant(app, { id: 'wrongcreds', s3: { ...rgwSettings(rgwUser('wrong')), secretAccessKey: 'not-the-secret' } });
    await expectError(t, await app.inject({ method: 'GET', url: '/v1/buckets', headers: bearer(bad) }), 502, 'S3GATE_UPSTREAM_CREDENTIALS');
  });

  t.test('a tenant whose S3 endpoint is down gets a 502, not a 500', async (t) => {
    const down = await createTenant(app, { id: 'down', s3: { ...rgwSettings(rgwUser('down')), endpoint: 'http://127.0.0.1:1' }, pool: { connectTimeoutMs: 1000 } });
    await expectError(t, await app.inject({ method: 'GET', url: '/v1/buckets', headers: bearer(down) }), 502, 'S3GATE_UPSTREAM_UNAVAILABLE');
  });
});
