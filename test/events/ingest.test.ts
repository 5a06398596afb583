import { createHash } from 'node:crypto';
import { PutObjectCommand, DeleteObjectCommand, PutBucketNotificationConfigurationCommand } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import t from 'tap';
import { admin, bearer, createTenant, listen, testApp } from '../helpers/app.js';
import { receiver } from '../helpers/receiver.js';
import { directClient, rgwEndpoint, rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';
import { until } from '../helpers/stall.js';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const webhooks = {
  allowPrivate: true,
  timeoutMs: 1000,
  retrySchedule: [100],
  disableAfterMs: 60_000,
  concurrency: 8,
  endpointConcurrency: 4,
  pollMs: 50,
  retentionMs: 86_400_000,
  deliveryRetentionMs: 86_400_000,
  retentionIntervalMs: 3_600_000,
};

function record(eventName: string, bucket: string, key: string, extra: Record<string, unknown> = {}, source = 'aws:s3') {
  return { eventVersion: '2.1', eventSource: source, eventName, s3: { bucket: { name: bucket }, object: { key, size: 3, eTag: md5('abc'), sequencer: '0A1B', ...extra } } };
}

t.test('native S3 notifications', async (t) => {
  const user = rgwUser('native');
  const app = await testApp(t, { config: { webhooks } });
  const key = await createTenant(app, { id: 'native', s3: rgwSettings(user) });
  const h = bearer(key);
  const tokenRes = await app.inject({ method: 'POST', url: '/admin/tenants/native/ingest-token', headers: admin });
  t.equal(tokenRes.statusCode, 201);
  const { token, path } = tokenRes.json();
  t.equal(path, `/ingest/s3/${token}`);
  const post = (body: unknown, contentType = 'application/json') =>
    app.inject({ method: 'POST', url: path, headers: { 'content-type': contentType }, payload: typeof body === 'string' ? body : JSON.stringify(body) });
  const events = async () => (await app.inject({ method: 'GET', url: '/v1/events?limit=1000', headers: h })).json().events as { type: string; data: Record<string, unknown> }[];

  t.test("accepts each sender's format and decodes keys the way each encodes them", async (t) => {
    const before = (await events()).length;
    t.same((await post({ Records: [record('ObjectCreated:Put', 'fmt-aws', 'photos/red+flower%2B1.jpg')] })).json(), { accepted: 1, duplicates: 0, ignored: 0 });
    t.equal((await post({ Records: [record('ObjectCreated:Copy', 'fmt-rgw', 'dir/hello world+1.txt', {}, 'ceph:s3')] })).statusCode, 200);
    t.equal((await post({ Records: [record('s3:ObjectRemoved:Delete', 'fmt-minio', 'dir%2Fa+b.txt', { eTag: undefined }, 'minio:s3')] })).statusCode, 200);
    const sns = { Type: 'Notification', MessageId: 'm1', Message: JSON.stringify({ Records: [record('ObjectCreated:CompleteMultipartUpload', 'fmt-sns', 'big.bin', { sequencer: '0B' })] }) };
    t.equal((await post(JSON.stringify(sns), 'text/plain; charset=UTF-8')).statusCode, 200, 'SNS posts text/plain');
    const bridge = { 'detail-type': 'Object Created', source: 'aws.s3', detail: { bucket: { name: 'fmt-eb' }, object: { key: 'e b.txt', size: 5, etag: 'ee', sequencer: '0C' }, reason: 'PutObject' } };
    t.equal((await post(bridge)).statusCode, 200);
    t.same((await post({ Records: [record('ObjectRemoved:DeleteMarkerCreated', 'fmt-aws', 'x')] })).json(), { accepted: 1, duplicates: 0, ignored: 0 }, "S3's own name for a delete marker");
    t.same((await post({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'fmt-aws' })).json(), { accepted: 0, duplicates: 0, ignored: 1 });
    const got = (await events()).slice(before).map((e) => [e.type, e.data.bucket, e.data.key, e.data.source]);
    t.same(got, [
      ['s3:ObjectCreated:Put', 'fmt-aws', 'photos/red flower+1.jpg', 'native'],
      ['s3:ObjectCreated:Copy', 'fmt-rgw', 'dir/hello world+1.txt', 'native'],
      ['s3:ObjectRemoved:Delete', 'fmt-minio', 'dir/a b.txt', 'native'],
      ['s3:ObjectCreated:CompleteMultipartUpload', 'fmt-sns', 'big.bin', 'native'],
      ['s3:ObjectCreated:Put', 'fmt-eb', 'e b.txt', 'native'],
      ['s3:ObjectRemoved:DeleteMarkerCreated', 'fmt-aws', 'x', 'native'],
    ]);
  });

  t.test('confirms an SNS subscription by fetching its SubscribeURL', async (t) => {
    const sns = await receiver(t);
    const res = await post({ Type: 'SubscriptionConfirmation', SubscribeURL: sns.url + '?Action=ConfirmSubscription' });
    t.same(res.json(), { accepted: 0, duplicates: 0, ignored: 0, subscribed: true });
    t.equal(sns.received.length, 1);
  });

  t.test('refuses malformed bodies with 400 and unknown tokens with 401', async (t) => {
    for (const body of ['{not json', '[1,2]', JSON.stringify({ hello: 'world' }), JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put' }] })]) {
      const res = await post(body);
      t.equal(res.statusCode, 400, body);
      t.equal(res.json().code, 'S3GATE_INVALID_EVENT');
    }
    const rotated = (await app.inject({ method: 'POST', url: '/admin/tenants/native/ingest-token', headers: admin })).json();
    const old = await app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ Records: [] }) });
    t.equal(old.statusCode, 401, 'the old token stops working');
    t.equal(old.json().code, 'S3GATE_INGEST_UNAUTHORIZED');
    t.equal((await app.inject({ method: 'POST', url: rotated.path, headers: { 'content-type': 'application/json' }, payload: '{"Records":[]}' })).statusCode, 200);
  });

  t.test('a write seen from the gateway and natively is one event, whichever comes first', async (t) => {
    const { path: p } = (await app.inject({ method: 'POST', url: '/admin/tenants/native/ingest-token', headers: admin })).json();
    const native = (body: unknown) => app.inject({ method: 'POST', url: p, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    const b = uniqueBucket('dedup');
    await app.inject({ method: 'PUT', url: `/v1/buckets/${b}`, headers: h });
    const before = (await events()).length;
    await app.inject({ method: 'PUT', url: `/v1/buckets/${b}/objects/first-gateway`, headers: h, payload: 'abc' });
    t.same((await native({ Records: [record('ObjectCreated:Put', b, 'first-gateway', { sequencer: '01' }, 'ceph:s3')] })).json(), { accepted: 0, duplicates: 1, ignored: 0 });
    t.same((await native({ Records: [record('ObjectCreated:Put', b, 'first-native', { sequencer: '02' }, 'ceph:s3')] })).json(), { accepted: 1, duplicates: 0, ignored: 0 });
    await app.inject({ method: 'PUT', url: `/v1/buckets/${b}/objects/first-native`, headers: h, payload: 'abc' });
    t.same((await native({ Records: [record('ObjectCreated:Put', b, 'first-native', { sequencer: '02' }, 'ceph:s3')] })).json(), { accepted: 0, duplicates: 1, ignored: 0 }, 'a native redelivery');
    const log = (await events()).slice(before);
    t.same(
      log.map((e) => [e.data.key, e.data.source]),
      [
        ['first-gateway', 'gateway'],
        ['first-native', 'native'],
      ],
    );
  });

  t.test('a real RGW bucket notification reaches subscribers once, with writes made directly on S3 marked native', async (t) => {
    const base = await listen(app);
    const { path: p } = (await app.inject({ method: 'POST', url: '/admin/tenants/native/ingest-token', headers: admin })).json();
    const b = uniqueBucket('rgw-native');
    await app.inject({ method: 'PUT', url: `/v1/buckets/${b}`, headers: h });
    const sns = new SNSClient({ endpoint: rgwEndpoint(), region: 'us-east-1', credentials: { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey } });
    t.teardown(() => sns.destroy());
    // Non-persistent: RGW posts while the write waits (persistent topics take ~30 s for a fresh radosgw's first event).
    const topic = await sns.send(new CreateTopicCommand({ Name: `t-${b}`, Attributes: { 'push-endpoint': `${base}${p}` } }));
    const s3 = directClient(user);
    t.teardown(() => s3.destroy());
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: b,
        NotificationConfiguration: { TopicConfigurations: [{ Id: 'n1', TopicArn: topic.TopicArn, Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'] }] },
      }),
    );
    const rx = await receiver(t);
    await app.inject({ method: 'POST', url: '/v1/webhooks', headers: h, payload: { url: rx.url, events: ['s3:Object*'], filter: { bucket: b } } });

    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'direct/hello world.txt', Body: 'direct' }));
    t.equal((await app.inject({ method: 'PUT', url: `/v1/buckets/${b}/objects/via-gateway.txt`, headers: h, payload: 'gw' })).statusCode, 201);
    await s3.send(new DeleteObjectCommand({ Bucket: b, Key: 'direct/hello world.txt' }));
    await until(() => rx.received.length >= 3, 15_000, 'three deliveries');
    await new Promise((r) => setTimeout(r, 500));
    const got = rx.bodies().map((e) => [e.type, e.data.key, e.data.source]);
    t.same(
      got.sort(),
      [
        ['s3:ObjectCreated:Put', 'direct/hello world.txt', 'native'],
        ['s3:ObjectCreated:Put', 'via-gateway.txt', got.find((g) => g[1] === 'via-gateway.txt')?.[2]],
        ['s3:ObjectRemoved:Delete', 'direct/hello world.txt', 'native'],
      ].sort(),
      'each write delivered once',
    );
    t.equal(rx.received.length, 3);
  });

  t.test('PUT /v1/buckets/{bucket}/notifications wires and unwires a bucket on RGW', async (t) => {
    const base = await listen(app);
    const b = uniqueBucket('wired');
    await app.inject({ method: 'PUT', url: `/v1/buckets/${b}`, headers: h });
    const rx = await receiver(t);
    await app.inject({ method: 'POST', url: '/v1/webhooks', headers: h, payload: { url: rx.url, events: ['s3:Object*'], filter: { bucket: b } } });
    const set = (body: unknown) => fetch(`${base}/v1/buckets/${b}/notifications`, { method: 'PUT', headers: { ...h, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const on = await set({ enabled: true, persistent: false });
    t.equal(on.status, 200);
    t.match(await on.json(), { bucket: b, enabled: true, topicArn: /^arn:aws:sns:/ });
    t.match((await app.inject({ method: 'GET', url: `/v1/buckets/${b}/notifications`, headers: h })).json(), { enabled: true });

    const s3 = directClient(user);
    t.teardown(() => s3.destroy());
    for (const k of ['d1', 'd2', 'd3']) await s3.send(new PutObjectCommand({ Bucket: b, Key: k, Body: k }));
    await until(() => rx.received.length >= 3, 15_000, 'the native events of direct writes');
    // RGW 16 aborts on DeleteObjects in a bucket with an ObjectRemoved topic: the gateway deletes one by one.
    const del = await app.inject({ method: 'POST', url: `/v1/buckets/${b}/delete`, headers: h, payload: { keys: ['d1', 'd2', 'd3'] } });
    t.same(del.json().deleted.sort(), ['d1', 'd2', 'd3']);
    await until(() => rx.received.length >= 6, 15_000, 'the delete events');
    await new Promise((r) => setTimeout(r, 500));
    t.equal(rx.received.length, 6, 'three creates and three deletes, each once');
    t.same(
      rx
        .bodies()
        .slice(0, 3)
        .map((e) => e.data.source),
      ['native', 'native', 'native'],
    );
    t.equal((await fetch(`${rgwEndpoint()}/`)).status, 200, 'radosgw is still up');

    const off = await set({ enabled: false });
    t.match(await off.json(), { enabled: false, topicArn: null });
    await s3.send(new PutObjectCommand({ Bucket: b, Key: 'after', Body: 'x' }));
    await new Promise((r) => setTimeout(r, 1000));
    t.equal(rx.received.length, 6, 'no native event once unwired');

    const disk = await createTenant(app, { id: 'disknotify', driver: 'disk' });
    await app.inject({ method: 'PUT', url: `/v1/buckets/${b}`, headers: bearer(disk) });
    const refused = await app.inject({ method: 'PUT', url: `/v1/buckets/${b}/notifications`, headers: bearer(disk), payload: { enabled: true } });
    t.equal(refused.statusCode, 400);
    t.equal(refused.json().code, 'S3GATE_NOTIFICATIONS_UNSUPPORTED');
  });
});
