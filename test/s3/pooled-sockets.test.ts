import http from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import t from 'tap';
import { admin, bearer, createTenant, listen, testApp } from '../helpers/app.js';
import { directClient, rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';
import { until } from '../helpers/stall.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** One request on a connection of its own (closed after the answer), its status and body. */
function request(base: string, method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers: { ...headers, connection: 'close' }, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// A tenant's keep-alive socket to S3 outlives the request that opened it. Anything the request left on
// that socket (a listener whose closure reaches the response) keeps the whole request (Fastify's request and
// reply, the client's response, the S3 answer) for as long as the socket stays pooled: with 1,000 live
// tenants that was 1,000 requests held, and each evicted client left its requests as old-space garbage.
t.test('a pooled S3 socket holds none of the requests that used it', async (t) => {
  const app = await testApp(t);
  const user = rgwUser('pooled');
  const key = await createTenant(app, { id: 'pooled', s3: rgwSettings(user), pool: { maxSockets: 2 } });
  const bucket = uniqueBucket('pooled');
  // Made directly: the tenant's first sockets are opened by the requests under test.
  const s3 = directClient(user);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  s3.destroy();
  const base = await listen(app);
  const responses: WeakRef<http.ServerResponse>[] = [];
  app.server.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => responses.push(new WeakRef(res)));

  const put = await request(base, 'PUT', `/v1/buckets/${bucket}/objects/k`, { ...bearer(key), 'content-type': 'text/plain' }, Buffer.from('hello'));
  t.equal(put.status, 201, put.body);
  for (let i = 0; i < 3; i++) {
    const got = await request(base, 'GET', `/v1/buckets/${bucket}/objects/k`, bearer(key));
    t.same(got, { status: 200, body: 'hello' });
  }
  const head = await request(base, 'HEAD', `/v1/buckets/${bucket}/objects/k`, bearer(key));
  t.equal(head.status, 200);
  // The sockets are back in the tenant's pool, open.
  const pool = (await app.inject({ method: 'GET', url: '/admin/tenants/pooled/pool', headers: admin })).json();
  t.ok(pool.sockets.free >= 1, `a socket is pooled: ${JSON.stringify(pool.sockets)}`);
  t.equal(responses.length, 5);

  await until(async () => {
    gc();
    await new Promise((r) => setImmediate(r));
    return responses.every((r) => r.deref() === undefined);
  }, 5000).catch(() => {});
  const held = responses.filter((r) => r.deref() !== undefined).length;
  t.equal(held, 0, `${held} of ${responses.length} finished requests are still reachable while their S3 sockets are pooled`);
});
