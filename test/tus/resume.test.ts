import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { Webhook } from 'standardwebhooks';
import t from 'tap';
import { tempDir, tempPgDatabase } from '../helpers/app.js';
import { cutProxy } from '../helpers/cut-proxy.js';
import { receiver } from '../helpers/receiver.js';
import { until } from '../helpers/stall.js';
import { apiKey, gatewayProcess } from '../helpers/process.js';
import { directClient, rgwSettings, rgwUser, uniqueBucket, type RgwUser } from '../helpers/rgw.js';
import { sha256, tusUpload } from '../helpers/tus.js';
import type { Teardown } from '../helpers/http.js';

/**
 * The proof: tus-js-client uploading 300 MiB into RGW through gateway processes, resumed after
 * the network drops mid-PATCH, after the gateway is killed with SIGKILL, and on a second process.
 */
const SIZE = 300 * 1024 * 1024;
const auth = { authorization: `Bearer ${apiKey}` };
const RETRIES = [0, 250, 500, 1000, 1000, 2000, 2000, 3000, 3000, 5000, 5000, 5000];

async function setup(_t: Parameters<typeof tempDir>[0], name: string) {
  const user = rgwUser(name);
  const tenants = [{ id: name, driver: 's3', s3: rgwSettings(user), apiKeys: [apiKey] }];
  return { user, tenants, bucket: uniqueBucket(name), data: randomBytes(SIZE) };
}

async function makeBucket(base: string, bucket: string) {
  const res = await fetch(`${base}/v1/buckets/${bucket}`, { method: 'PUT', headers: auth });
  if (res.status !== 201) throw new Error(`bucket: ${res.status}`);
}

/**
 * What RGW holds: the object's sha256 (read directly, not through the gateway) and the open multipart
 * uploads. The object is deleted afterwards: RGW's memstore keeps every byte in memory.
 */
async function inRgw(t: Teardown, user: RgwUser, bucket: string, key: string) {
  const s3 = directClient(user);
  t.teardown(() => s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const hash = createHash('sha256');
  for await (const chunk of out.Body as Readable) hash.update(chunk);
  const open = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  return { sha256: hash.digest('hex'), size: out.ContentLength, open: (open.Uploads ?? []).length };
}

async function completions(base: string, key: string): Promise<number> {
  const res = await fetch(`${base}/v1/events?limit=100`, { headers: auth });
  return ((await res.json()) as { events: { type: string; data: { key: string } }[] }).events.filter((e) => e.data.key === key && e.type === 's3:ObjectCreated:CompleteMultipartUpload').length;
}

t.test('300 MiB: the connection is destroyed mid-PATCH three times, and the upload resumes', async (t) => {
  const { user, tenants, bucket, data } = await setup(t, 'tus-cut');
  const proxy = await cutProxy(t, 0);
  const gw = await gatewayProcess(t, join(tempDir(t), 'data'), { S3GATE_PUBLIC_URL: proxy.url }, tenants);
  proxy.target = Number(new URL(gw.base).port);
  await makeBucket(gw.base, bucket);
  const rx = await receiver(t);
  const hook = await fetch(`${gw.base}/v1/webhooks`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ url: rx.url, events: ['s3:ObjectCreated:*'] }),
  });
  t.equal(hook.status, 201);
  const { secret } = (await hook.json()) as { secret: string };
  const marks = [0.25, 0.5, 0.75].map((f) => f * SIZE);
  const run = await tusUpload(`${proxy.url}/v1/uploads`, data, {
    headers: auth,
    metadata: { bucket, key: 'cut.bin' },
    retryDelays: RETRIES,
    onProgress: (sent) => {
      if (marks.length > 0 && sent >= marks[0]) {
        marks.shift();
        proxy.cut();
      }
    },
  });
  t.equal(proxy.cuts, 3, 'the network dropped three times mid-PATCH');
  t.match(run.url, new RegExp(`^${proxy.url}/v1/uploads/`), 'the upload URL names the gateway as clients reach it (S3GATE_PUBLIC_URL)');
  t.ok(run.retries >= 3, `tus-js-client resumed after each (${run.retries} retries)`);
  const stored = await inRgw(t, user, bucket, 'cut.bin');
  t.equal(stored.size, SIZE);
  t.equal(stored.sha256, sha256(data), 'the bytes in S3 equal the source');
  t.equal(stored.open, 0, 'no multipart upload is left behind');
  t.equal(await completions(gw.base, 'cut.bin'), 1, 'completion recorded once');
  await until(() => rx.bodies().length >= 1, 10_000, 'the webhook delivery');
  await new Promise((r) => setTimeout(r, 500));
  const delivered = rx.bodies().filter((b) => b.data.key === 'cut.bin');
  t.same(
    delivered.map((b) => b.type),
    ['s3:ObjectCreated:CompleteMultipartUpload'],
    'a webhook receiver gets the completion once, signed, for all the interruptions',
  );
  t.equal(delivered[0]?.data.size, SIZE);
  const raw = rx.received.find((r) => r.body.includes('cut.bin'))!;
  t.ok(new Webhook(secret).verify(raw.body, raw.headers as Record<string, string>), 'its Standard Webhooks signature verifies');
});

t.test('300 MiB: the gateway is killed (SIGKILL) between two PATCHes and restarted; the upload resumes', async (t) => {
  const { user, tenants, bucket, data } = await setup(t, 'tus-kill');
  const dir = join(tempDir(t), 'data');
  const proxy = await cutProxy(t, 0);
  const env = { S3GATE_TUS_LOCK_TTL_MS: '2000', S3GATE_PUBLIC_URL: proxy.url };
  const first = await gatewayProcess(t, dir, env, tenants);
  proxy.target = Number(new URL(first.base).port);
  await makeBucket(first.base, bucket);
  let restarted: Promise<{ base: string }> | undefined;
  const run = await tusUpload(`${proxy.url}/v1/uploads`, data, {
    headers: auth,
    chunkSize: 64 * 1024 * 1024,
    metadata: { bucket, key: 'killed.bin' },
    retryDelays: RETRIES,
    onChunkComplete: (acked) => {
      if (restarted || acked < 128 * 1024 * 1024) return;
      first.child.kill('SIGKILL');
      proxy.cut();
      restarted = gatewayProcess(t, dir, env, tenants).then((gw) => {
        proxy.target = Number(new URL(gw.base).port);
        return gw;
      });
    },
  });
  t.ok(restarted, 'the gateway was killed after two PATCHes');
  const second = await restarted!;
  t.ok(run.retries >= 1, `tus-js-client retried until the restarted gateway answered (${run.retries} retries)`);
  t.ok(run.offsets.includes(128 * 1024 * 1024), 'the offset acknowledged before the kill was kept');
  const stored = await inRgw(t, user, bucket, 'killed.bin');
  t.equal(stored.sha256, sha256(data), 'the bytes in S3 equal the source');
  t.equal(stored.open, 0, 'no multipart upload is left behind');
  t.equal(await completions(second.base, 'killed.bin'), 1);
});

t.test('300 MiB on PostgreSQL: the first process dies mid-PATCH, a second process takes the upload over', async (t) => {
  const { user, tenants, bucket, data } = await setup(t, 'tus-pg');
  const proxy = await cutProxy(t, 0);
  const env = { DATABASE_URL: await tempPgDatabase(t), S3GATE_TUS_LOCK_TTL_MS: '2000', S3GATE_PUBLIC_URL: proxy.url };
  const a = await gatewayProcess(t, join(tempDir(t), 'a'), env, tenants);
  const b = await gatewayProcess(t, join(tempDir(t), 'b'), env, tenants);
  proxy.target = Number(new URL(a.base).port);
  await makeBucket(a.base, bucket);
  let switched = false;
  const run = await tusUpload(`${proxy.url}/v1/uploads`, data, {
    headers: auth,
    metadata: { bucket, key: 'moved.bin' },
    retryDelays: RETRIES,
    onProgress: (sent) => {
      if (switched || sent < SIZE * 0.4) return;
      switched = true;
      a.child.kill('SIGKILL');
      proxy.target = Number(new URL(b.base).port);
      proxy.cut();
    },
  });
  t.ok(switched, 'the first process was killed at 40%');
  t.ok(run.retries >= 1);
  const stored = await inRgw(t, user, bucket, 'moved.bin');
  t.equal(stored.sha256, sha256(data), 'the bytes in S3 equal the source');
  t.equal(stored.open, 0, 'no multipart upload is left behind');
  t.equal(await completions(b.base, 'moved.bin'), 1);
});
