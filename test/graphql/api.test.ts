import { createHash } from 'node:crypto';
import t from 'tap';
import { bearer, createTenant, listen, testApp } from '../helpers/app.js';
import { gqlClient } from '../helpers/graphql.js';
import { rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';

const md5 = (s: string | Buffer) => createHash('md5').update(s).digest('hex');

/** The GraphQL API over real HTTP, on both drivers: Ceph RGW through the S3 driver, and the local disk. */
for (const driver of ['s3', 'disk'] as const) {
  t.test(`${driver} driver`, async (t) => {
    const app = await testApp(t, { env: { S3GATE_GRAPHQL_MAX_CONTENT_BYTES: '1000' } });
    const key = await createTenant(app, driver === 's3' ? { id: 'gq', s3: rgwSettings(rgwUser('gq')) } : { id: 'gq', driver: 'disk' });
    const base = await listen(app);
    const gql = gqlClient(base, key);
    const bucket = uniqueBucket('gq');

    t.test('createBucket, then buckets and bucket(name) show it', async (t) => {
      const created = await gql(`mutation($b: String!) { createBucket(name: $b) { created bucket { name } } }`, { b: bucket });
      t.same(created, { status: 200, data: { createBucket: { created: true, bucket: { name: bucket } } } });
      const again = await gql(`mutation($b: String!) { createBucket(name: $b) { created } }`, { b: bucket });
      t.equal(again.data!.createBucket.created, false, 'the second create reports the bucket existed');
      const list = await gql(`{ buckets { name createdAt } }`);
      const mine = list.data!.buckets.find((b: { name: string }) => b.name === bucket);
      t.ok(mine, 'listed');
      t.ok(!Number.isNaN(Date.parse(mine.createdAt)), 'with its creation date');
      t.same((await gql(`query($b: String!) { bucket(name: $b) { name } }`, { b: uniqueBucket('absent') })).data, { bucket: null }, 'an absent bucket is null');
    });

    t.test('putObject stores UTF-8 and base64 content with type and metadata, through the same service as REST', async (t) => {
      const put = await gql(
        `mutation($b: String!, $m: StringMap) { putObject(bucket: $b, key: "docs/a.txt", content: "héllo", contentType: "text/plain", metadata: $m) { key size etag contentType metadata } }`,
        { b: bucket, m: { owner: 'ana' } },
      );
      t.same(put.data, { putObject: { key: 'docs/a.txt', size: 6, etag: md5('héllo'), contentType: 'text/plain', metadata: { owner: 'ana' } } });
      const bin = Buffer.from([0, 1, 2, 250, 255]);
      const b64 = await gql(`mutation($b: String!, $c: String!) { putObject(bucket: $b, key: "bin/x", content: $c, encoding: BASE64) { size etag } }`, { b: bucket, c: bin.toString('base64') });
      t.same(b64.data, { putObject: { size: 5, etag: md5(bin) } });
      // What REST reads back is what GraphQL stored.
      const rest = await fetch(`${base}/v1/buckets/${bucket}/objects/bin/x`, { headers: bearer(key) });
      t.same(Buffer.from(await rest.arrayBuffer()), bin);
      const events = await fetch(`${base}/v1/events?bucket=${bucket}`, { headers: bearer(key) }).then((r) => r.json() as Promise<{ events: { type: string; data: { key: string } }[] }>);
      t.same(
        events.events.map((e) => [e.type, e.data.key]),
        [
          ['s3:ObjectCreated:Put', 'docs/a.txt'],
          ['s3:ObjectCreated:Put', 'bin/x'],
        ],
        'GraphQL writes record the same events',
      );
    });

    t.test('putObject refuses content over the cap, bad base64 and a taken key with ifNoneMatch', async (t) => {
      const big = await gql(`mutation($b: String!, $c: String!) { putObject(bucket: $b, key: "big", content: $c) { key } }`, { b: bucket, c: 'x'.repeat(1001) });
      t.equal(big.status, 200);
      t.equal(big.errors![0].extensions.code, 'S3GATE_CONTENT_TOO_LARGE');
      t.match(big.errors![0].message, /createUploadUrl/);
      const bad = await gql(`mutation($b: String!) { putObject(bucket: $b, key: "bad", content: "@@@", encoding: BASE64) { key } }`, { b: bucket });
      t.equal(bad.errors![0].extensions.code, 'S3GATE_VALIDATION');
      const taken = await gql(`mutation($b: String!) { putObject(bucket: $b, key: "docs/a.txt", content: "new", ifNoneMatch: "*") { key } }`, { b: bucket });
      t.equal(taken.errors![0].extensions.code, 'S3GATE_PRECONDITION_FAILED');
      const head = await fetch(`${base}/v1/buckets/${bucket}/objects/docs/a.txt`, { headers: bearer(key) });
      t.equal(await head.text(), 'héllo', 'nothing was overwritten');
      const missing = await fetch(`${base}/v1/buckets/${bucket}/objects/big`, { method: 'HEAD', headers: bearer(key) });
      t.equal(missing.status, 404, 'nothing was stored for the refused content');
    });

    t.test('object(bucket, key) has every field; text and downloadUrl work; absent keys are null', async (t) => {
      const res = await gql(`query($b: String!) { object(bucket: $b, key: "docs/a.txt") { bucket key size etag lastModified contentType metadata text(maxBytes: 100) downloadUrl(expiresIn: 60) } }`, {
        b: bucket,
      });
      const o = res.data!.object;
      t.match(o, { bucket, key: 'docs/a.txt', size: 6, etag: md5('héllo'), contentType: 'text/plain', metadata: { owner: 'ana' }, text: 'héllo' });
      t.ok(!Number.isNaN(Date.parse(o.lastModified)));
      const dl = await fetch(o.downloadUrl);
      t.equal(await dl.text(), 'héllo', 'the presigned URL serves the object without the API key');
      t.same((await gql(`query($b: String!) { object(bucket: $b, key: "nope") { key } }`, { b: bucket })).data, { object: null });
      const tooBig = await gql(`query($b: String!) { object(bucket: $b, key: "docs/a.txt") { text(maxBytes: 3) } }`, { b: bucket });
      t.equal(tooBig.errors![0].extensions.code, 'S3GATE_TEXT_TOO_LARGE');
      const notText = await gql(`query($b: String!) { object(bucket: $b, key: "bin/x") { text } }`, { b: bucket });
      t.equal(notText.errors![0].extensions.code, 'S3GATE_NOT_TEXT');
      const noBucket = await gql(`query($b: String!) { object(bucket: $b, key: "k") { key } }`, { b: uniqueBucket('absent') });
      t.equal(noBucket.errors![0].extensions.code, 'S3GATE_BUCKET_NOT_FOUND');
    });

    t.test('Bucket.objects is a Relay connection with prefixes; edge and end cursors both resume', async (t) => {
      for (const k of ['p/1', 'p/2', 'p/3', 'q/1', 'top1', 'top2']) {
        await gql(`mutation($b: String!, $k: String!) { putObject(bucket: $b, key: $k, content: "v") { key } }`, { b: bucket, k: `list/${k}` });
      }
      const q = `query($b: String!, $after: String, $d: String) { bucket(name: $b) { objects(prefix: "list/", delimiter: $d, first: 2, after: $after) {
        edges { cursor node { key size } } prefixes pageInfo { hasNextPage endCursor } } } }`;
      const keys: string[] = [];
      let after: string | null = null;
      for (let page = 0; page < 10; page++) {
        const res: { data: Record<string, any> | null } = await gql(q, { b: bucket, after });
        const conn: { edges: { node: { key: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } = res.data!.bucket.objects;
        keys.push(...conn.edges.map((e: { node: { key: string } }) => e.node.key));
        if (!conn.pageInfo.hasNextPage) break;
        t.ok(conn.edges.length <= 2, 'at most first edges');
        after = conn.pageInfo.endCursor;
      }
      t.same(keys, ['list/p/1', 'list/p/2', 'list/p/3', 'list/q/1', 'list/top1', 'list/top2'], 'endCursor pages through every key once');
      const first = (await gql(q, { b: bucket, after: null })).data!.bucket.objects;
      const fromEdge = (await gql(q, { b: bucket, after: first.edges[0].cursor })).data!.bucket.objects;
      t.equal(fromEdge.edges[0].node.key, 'list/p/2', "an edge's cursor resumes right after that edge");
      const rolled = (await gql(q.replace('first: 2', 'first: 100'), { b: bucket, d: '/' })).data!.bucket.objects;
      t.same(rolled.prefixes, ['list/p/', 'list/q/']);
      t.same(
        rolled.edges.map((e: { node: { key: string } }) => e.node.key),
        ['list/top1', 'list/top2'],
      );
      t.same(rolled.pageInfo, { hasNextPage: false, endCursor: rolled.edges[1].cursor });
      const bad = await gql(q, { b: bucket, after: 'not-a-cursor' });
      t.equal(bad.errors![0].extensions.code, 'S3GATE_INVALID_CURSOR');
    });

    t.test('contentType and metadata of a listing are looked up once per object', async (t) => {
      const metric = async () => {
        const text = await (await fetch(`${base}/metrics`)).text();
        const line = text.split('\n').find((l) => l.startsWith('s3gate_s3_requests_total{') && l.includes('tenant="gq"') && l.includes('operation="HeadObjectCommand"'));
        return line ? Number(line.split(' ').pop()) : 0;
      };
      const before = driver === 's3' ? await metric() : 0;
      const res = await gql(`query($b: String!) { bucket(name: $b) { objects(prefix: "list/") { edges { node { key contentType metadata } } } } }`, { b: bucket });
      const nodes = res.data!.bucket.objects.edges.map((e: { node: unknown }) => e.node);
      t.equal(nodes.length, 6);
      for (const n of nodes) t.match(n, { contentType: String, metadata: {} });
      if (driver === 's3') t.equal((await metric()) - before, 6, 'one HEAD per object for both fields');
    });

    t.test('a bucket asked only for its objects is listed with one S3 call, and is null when absent', async (t) => {
      const count = async (operation: string) => {
        const text = await (await fetch(`${base}/metrics`)).text();
        const line = text.split('\n').find((l) => l.startsWith('s3gate_s3_requests_total{') && l.includes('tenant="gq"') && l.includes(`operation="${operation}"`));
        return line ? Number(line.split(' ').pop()) : 0;
      };
      const q = `query($b: String!, $f: Int) { bucket(name: $b) { name objects(prefix: "list/", first: $f) { edges { node { key } } } } }`;
      const before = driver === 's3' ? [await count('HeadBucketCommand'), await count('ListObjectsV2Command')] : [0, 0];
      for (let i = 0; i < 2; i++) {
        const res = await gql(q, { b: bucket, f: 2 });
        t.equal(res.data!.bucket.objects.edges.length, 2);
      }
      if (driver === 's3') t.same([await count('HeadBucketCommand'), await count('ListObjectsV2Command')], [before[0], before[1] + 2], 'no HeadBucket, one listing per query');
      t.same(await gql(q, { b: uniqueBucket('absent'), f: 2 }), { status: 200, data: { bucket: null } }, 'an absent bucket is null, without an error');
      const bad = await gql(q, { b: bucket, f: 5000 });
      t.same(
        bad.errors!.map((e) => [e.extensions.code, e.path]),
        [['S3GATE_VALIDATION', ['bucket', 'objects']]],
        "a bad argument is still the listing's error",
      );
    });

    t.test('copyObject and moveObject answer the new object; deleteObject(s) report what they did', async (t) => {
      const copy = await gql(`mutation($b: String!) { copyObject(source: {bucket: $b, key: "docs/a.txt"}, destination: {bucket: $b, key: "docs/copy.txt"}) { key size etag contentType } }`, {
        b: bucket,
      });
      t.same(copy.data, { copyObject: { key: 'docs/copy.txt', size: 6, etag: md5('héllo'), contentType: 'text/plain' } });
      const move = await gql(`mutation($b: String!) { moveObject(source: {bucket: $b, key: "docs/copy.txt"}, destination: {bucket: $b, key: "docs/moved.txt"}) { key } }`, { b: bucket });
      t.same(move.data, { moveObject: { key: 'docs/moved.txt' } });
      t.same((await gql(`query($b: String!) { object(bucket: $b, key: "docs/copy.txt") { key } }`, { b: bucket })).data, { object: null }, 'the source of a move is gone');
      t.same((await gql(`mutation($b: String!) { deleteObject(bucket: $b, key: "docs/moved.txt") }`, { b: bucket })).data, { deleteObject: true });
      const many = await gql(`mutation($b: String!) { deleteObjects(bucket: $b, keys: ["list/p/1", "list/p/2"]) { deleted errors { key code } } }`, { b: bucket });
      t.same(many.data!.deleteObjects.errors, []);
      t.same([...many.data!.deleteObjects.deleted].sort(), ['list/p/1', 'list/p/2']);
    });

    t.test('createUploadUrl gives a presigned PUT that bypasses GraphQL', async (t) => {
      const res = await gql(`mutation($b: String!) { createUploadUrl(bucket: $b, key: "up/big.bin", contentType: "application/octet-stream", expiresIn: 120) { url method expiresAt headers } }`, {
        b: bucket,
      });
      const u = res.data!.createUploadUrl;
      t.equal(u.method, 'PUT');
      const body = Buffer.alloc(64 * 1024, 7);
      const put = await fetch(u.url, { method: 'PUT', headers: u.headers, body });
      t.ok(put.ok, `PUT to the URL answered ${put.status}`);
      t.same((await gql(`query($b: String!) { object(bucket: $b, key: "up/big.bin") { size } }`, { b: bucket })).data, { object: { size: body.length } });
      const tooLong = await gql(`mutation($b: String!) { createUploadUrl(bucket: $b, key: "x", expiresIn: 999999999) { url } }`, { b: bucket });
      t.equal(tooLong.errors![0].extensions.code, 'S3GATE_VALIDATION');
    });

    t.test('deleteBucket refuses a non-empty bucket unless forced', async (t) => {
      const refused = await gql(`mutation($b: String!) { deleteBucket(name: $b) }`, { b: bucket });
      t.equal(refused.errors![0].extensions.code, 'S3GATE_BUCKET_NOT_EMPTY');
      t.same((await gql(`mutation($b: String!) { deleteBucket(name: $b, force: true) }`, { b: bucket })).data, { deleteBucket: true });
      t.same((await gql(`query($b: String!) { bucket(name: $b) { name } }`, { b: bucket })).data, { bucket: null });
    });
  });
}
