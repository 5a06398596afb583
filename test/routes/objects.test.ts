import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import t from 'tap';
import { bearer, createTenant, listen, testApp } from '../helpers/app.js';
import { rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';

const md5 = (s: string | Buffer) => createHash('md5').update(s).digest('hex');
import { encodeKeyPath as enc } from '../../src/lib/url-signer.js';

/** The same S3 semantics, checked on both drivers: Ceph RGW through the S3 driver, and the local disk. */
for (const driver of ['s3', 'disk'] as const) {
  t.test(`${driver} driver`, async (t) => {
    const logs: string[] = [];
    const app = await testApp(t, { logStream: { write: (line) => void logs.push(line) } });
    const tenant = driver === 's3' ? { id: 'acme', s3: rgwSettings(rgwUser('acme')) } : { id: 'acme', driver: 'disk' };
    const key = await createTenant(app, tenant);
    const h = bearer(key);
    const req = (method: string, url: string, extra: Record<string, unknown> = {}) => app.inject({ method: method as 'GET', url, ...extra, headers: { ...h, ...(extra.headers as object) } });
    const bucket = uniqueBucket();
    const obj = (k: string) => `/v1/buckets/${bucket}/objects/${enc(k)}`;

    t.test('creates a bucket with 201, answers 200 when it exists, and HEAD tells existence', async (t) => {
      t.equal((await req('PUT', `/v1/buckets/${bucket}`)).statusCode, 201);
      const again = await req('PUT', `/v1/buckets/${bucket}`);
      t.equal(again.statusCode, 200);
      t.same(again.json(), { name: bucket, created: false });
      t.equal((await req('HEAD', `/v1/buckets/${bucket}`)).statusCode, 200);
      t.equal((await req('HEAD', `/v1/buckets/${uniqueBucket('absent')}`)).statusCode, 404);
      const list = (await req('GET', '/v1/buckets')).json();
      t.ok(
        list.buckets.some((b: { name: string }) => b.name === bucket),
        'listed',
      );
    });

    t.test('stores a streamed body with content type and metadata, and reads it back', async (t) => {
      const put = await req('PUT', obj('docs/hello.txt'), { payload: 'hello world', headers: { 'content-type': 'text/plain', 'x-meta-color': 'blue' } });
      t.equal(put.statusCode, 201);
      t.same(put.json(), { bucket, key: 'docs/hello.txt', etag: md5('hello world'), size: 11 });
      const get = await req('GET', obj('docs/hello.txt'));
      t.equal(get.statusCode, 200);
      t.equal(get.body, 'hello world');
      t.equal(get.headers.etag, `"${md5('hello world')}"`);
      t.equal(get.headers['content-type'], 'text/plain');
      t.equal(get.headers['content-length'], '11');
      t.equal(get.headers['accept-ranges'], 'bytes');
      t.equal(get.headers['x-meta-color'], 'blue');
      t.ok(get.headers['last-modified'] && !Number.isNaN(Date.parse(String(get.headers['last-modified']))));
      const head = await req('HEAD', obj('docs/hello.txt'));
      t.equal(head.statusCode, 200);
      t.equal(head.headers['content-length'], '11');
      t.equal(head.headers['x-meta-color'], 'blue');
      t.equal(head.body, '');
    });

    t.test('serves ranges with 206 and refuses unsatisfiable ones with 416', async (t) => {
      const mid = await req('GET', obj('docs/hello.txt'), { headers: { range: 'bytes=6-10' } });
      t.equal(mid.statusCode, 206);
      t.equal(mid.body, 'world');
      t.equal(mid.headers['content-range'], 'bytes 6-10/11');
      t.equal(mid.headers['content-length'], '5');
      const suffix = await req('GET', obj('docs/hello.txt'), { headers: { range: 'bytes=-4' } });
      t.equal(suffix.statusCode, 206);
      t.equal(suffix.body, 'orld');
      const open = await req('GET', obj('docs/hello.txt'), { headers: { range: 'bytes=6-' } });
      t.equal(open.body, 'world');
      const beyond = await req('GET', obj('docs/hello.txt'), { headers: { range: 'bytes=50-60' } });
      t.equal(beyond.statusCode, 416);
      t.equal(beyond.json().code, 'S3GATE_RANGE_NOT_SATISFIABLE');
      t.equal(beyond.headers['content-range'], 'bytes */11');
      const ignored = await req('GET', obj('docs/hello.txt'), { headers: { range: 'bytes=0-1,4-5' } });
      t.equal(ignored.statusCode, 200, 'several ranges are ignored (the whole object is sent)');
      t.equal(ignored.body, 'hello world');
    });

    t.test('answers conditional requests: 304 for If-None-Match, 412 for a different If-Match', async (t) => {
      const etag = `"${md5('hello world')}"`;
      const nm = await req('GET', obj('docs/hello.txt'), { headers: { 'if-none-match': etag } });
      t.equal(nm.statusCode, 304);
      t.equal(nm.body, '');
      t.equal((await req('HEAD', obj('docs/hello.txt'), { headers: { 'if-none-match': etag } })).statusCode, 304);
      const other = await req('GET', obj('docs/hello.txt'), { headers: { 'if-none-match': '"0000"' } });
      t.equal(other.statusCode, 200);
      const bad = await req('GET', obj('docs/hello.txt'), { headers: { 'if-match': '"0000"' } });
      t.equal(bad.statusCode, 412);
      t.equal(bad.json().code, 'S3GATE_PRECONDITION_FAILED');
      t.equal((await req('GET', obj('docs/hello.txt'), { headers: { 'if-match': etag } })).statusCode, 200);
    });

    t.test('If-None-Match: * makes a PUT create-only', async (t) => {
      const first = await req('PUT', obj('once.txt'), { payload: 'one', headers: { 'if-none-match': '*' } });
      t.equal(first.statusCode, 201);
      const second = await req('PUT', obj('once.txt'), { payload: 'two', headers: { 'if-none-match': '*' } });
      t.equal(second.statusCode, 412);
      t.equal(second.json().code, 'S3GATE_PRECONDITION_FAILED');
      t.equal((await req('GET', obj('once.txt'))).body, 'one', 'the object was not overwritten');
    });

    t.test('keys with spaces, +, %, ?, #, unicode and .. segments round-trip exactly', async (t) => {
      const keys = ['a b/c+d.txt', '100%/x', 'q?x=1#frag', 'ünïcødé/日本語.txt', 'a/../b', '../up', './here', 'a//double', 'emoji-🚀'];
      for (const k of keys) {
        const put = await req('PUT', obj(k), { payload: `body of ${k}` });
        t.equal(put.statusCode, 201, `PUT ${k}`);
        t.equal(put.json().key, k);
        const get = await req('GET', obj(k));
        t.equal(get.body, `body of ${k}`, `GET ${k}`);
      }
      const listed = (await req('GET', `/v1/buckets/${bucket}/objects`)).json().objects.map((o: { key: string }) => o.key);
      for (const k of keys) t.ok(listed.includes(k), `listed ${k}`);
      if (driver === 'disk') {
        const names = readdirSync(join(app.config.dataDir, 'objects'), { recursive: true }).map(String);
        t.ok(names.length > 0);
        for (const n of names) t.match(n, /^(index\.sqlite(-wal|-shm)?|blobs|tmp|blobs\/[0-9a-f]{2}(\/[0-9a-f]{32})?)$/, `a file of the disk driver is named by id, not by key: ${n}`);
      }
      for (const k of keys) t.equal((await req('DELETE', obj(k))).statusCode, 204);
    });

    t.test('lists with prefix, delimiter and cursor pages, prefixes counting against the limit', async (t) => {
      const b = uniqueBucket('list');
      await req('PUT', `/v1/buckets/${b}`);
      const keys = ['a.txt', 'b/1.txt', 'b/2.txt', 'c.txt', 'd/1.txt', 'e.txt'];
      for (const k of keys) await req('PUT', `/v1/buckets/${b}/objects/${enc(k)}`, { payload: k });
      const all = (await req('GET', `/v1/buckets/${b}/objects`)).json();
      t.same(
        all.objects.map((o: { key: string }) => o.key),
        keys,
      );
      t.equal(all.nextCursor, null);
      t.same(Object.keys(all.objects[0]).sort(), ['etag', 'key', 'lastModified', 'size']);
      const top = (await req('GET', `/v1/buckets/${b}/objects?delimiter=/`)).json();
      t.same(
        top.objects.map((o: { key: string }) => o.key),
        ['a.txt', 'c.txt', 'e.txt'],
      );
      t.same(top.prefixes, ['b/', 'd/']);
      const under = (await req('GET', `/v1/buckets/${b}/objects?prefix=b/`)).json();
      t.same(
        under.objects.map((o: { key: string }) => o.key),
        ['b/1.txt', 'b/2.txt'],
      );
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { objects: { key: string }[]; prefixes: string[]; nextCursor: string | null } = (
          await req('GET', `/v1/buckets/${b}/objects?delimiter=/&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
        ).json();
        t.ok(page.objects.length + page.prefixes.length <= 2, 'a page holds at most limit entries');
        seen.push(...page.objects.map((o) => o.key), ...page.prefixes);
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < 10);
      t.same(seen.sort(), ['a.txt', 'b/', 'c.txt', 'd/', 'e.txt']);
      t.equal(pages, 3);
      const bad = await req('GET', `/v1/buckets/${b}/objects?cursor=not-a-cursor`);
      t.equal(bad.statusCode, 400);
      t.equal(bad.json().code, 'S3GATE_INVALID_CURSOR');
      t.equal((await req('DELETE', `/v1/buckets/${b}?force=true`)).statusCode, 204);
    });

    t.test('deletes in batches and answers 204 for absent keys', async (t) => {
      for (const k of ['x/1', 'x/2', 'x/3']) await req('PUT', obj(k), { payload: k });
      const res = await req('POST', `/v1/buckets/${bucket}/delete`, { payload: { keys: ['x/1', 'x/2', 'x/3', 'x/never'] } });
      t.equal(res.statusCode, 200);
      t.same(res.json().deleted.sort(), ['x/1', 'x/2', 'x/3', 'x/never']);
      t.same(res.json().errors, []);
      t.equal((await req('GET', obj('x/1'))).statusCode, 404);
      t.equal((await req('DELETE', obj('x/never'))).statusCode, 204);
    });

    t.test('copies and moves objects within the tenant', async (t) => {
      const other = uniqueBucket('dst');
      await req('PUT', `/v1/buckets/${other}`);
      const copy = await req('POST', '/v1/copy', { payload: { source: { bucket, key: 'docs/hello.txt' }, destination: { bucket: other, key: 'copy of hello.txt' } } });
      t.equal(copy.statusCode, 201);
      t.same(copy.json(), { bucket: other, key: 'copy of hello.txt', etag: md5('hello world') });
      const got = await req('GET', `/v1/buckets/${other}/objects/${enc('copy of hello.txt')}`);
      t.equal(got.body, 'hello world');
      t.equal(got.headers['x-meta-color'], 'blue', 'metadata is copied');
      const move = await req('POST', '/v1/copy', { payload: { source: { bucket: other, key: 'copy of hello.txt' }, destination: { bucket: other, key: 'moved.txt' }, move: true } });
      t.equal(move.statusCode, 201);
      t.equal((await req('GET', `/v1/buckets/${other}/objects/${enc('copy of hello.txt')}`)).statusCode, 404, 'the source is gone');
      t.equal((await req('GET', `/v1/buckets/${other}/objects/moved.txt`)).body, 'hello world');
      const missing = await req('POST', '/v1/copy', { payload: { source: { bucket, key: 'nope' }, destination: { bucket, key: 'x' } } });
      t.equal(missing.statusCode, 404);
      t.equal(missing.json().code, 'S3GATE_OBJECT_NOT_FOUND');
      t.equal((await req('DELETE', `/v1/buckets/${other}?force=true`)).statusCode, 204);
    });

    t.test('refuses a body over the tenant limit with 413 and stores nothing', async (t) => {
      t.equal((await app.inject({ method: 'PATCH', url: '/admin/tenants/acme', headers: { authorization: `Bearer ${app.adminToken}` }, payload: { limits: { maxObjectSize: 10 } } })).statusCode, 200);
      const known = await req('PUT', obj('big-known'), { payload: 'x'.repeat(11) });
      t.equal(known.statusCode, 413);
      t.equal(known.json().code, 'S3GATE_PAYLOAD_TOO_LARGE');
      const streamed = await req('PUT', obj('big-streamed'), { payload: Readable.from([Buffer.alloc(6), Buffer.alloc(6)]) });
      t.equal(streamed.statusCode, 413, 'a body of unknown length is cut off at the limit');
      t.equal((await req('PUT', obj('small'), { payload: 'x'.repeat(10) })).statusCode, 201, 'the limit itself is allowed');
      t.equal((await req('HEAD', obj('big-known'))).statusCode, 404);
      t.equal((await req('HEAD', obj('big-streamed'))).statusCode, 404);
      await app.inject({ method: 'PATCH', url: '/admin/tenants/acme', headers: { authorization: `Bearer ${app.adminToken}` }, payload: { limits: { maxObjectSize: 1024 * 1024 * 1024 } } });
    });

    t.test('over real HTTP: multipart form uploads and presigned URLs work', async (t) => {
      const base = await listen(app);
      const form = new FormData();
      form.append('prefix', 'uploads/');
      form.append('file', new Blob(['first file']), 'one.txt');
      form.append('file', new Blob(['second file'], { type: 'text/csv' }), 'two words.csv');
      const up = await fetch(`${base}/v1/buckets/${bucket}/objects`, { method: 'POST', headers: h, body: form });
      t.equal(up.status, 201);
      t.same((await up.json()) as unknown, {
        objects: [
          { key: 'uploads/one.txt', etag: md5('first file'), size: 10 },
          { key: 'uploads/two words.csv', etag: md5('second file'), size: 11 },
        ],
      });
      const csv = await req('GET', obj('uploads/two words.csv'));
      t.equal(csv.headers['content-type'], 'text/csv');
      const single = new FormData();
      single.append('key', 'exact/name.bin');
      single.append('file', new Blob(['payload']), 'ignored.bin');
      const one = await fetch(`${base}/v1/buckets/${bucket}/objects`, { method: 'POST', headers: h, body: single });
      t.equal(one.status, 201);
      t.equal(((await one.json()) as { objects: { key: string }[] }).objects[0].key, 'exact/name.bin');
      const notForm = await fetch(`${base}/v1/buckets/${bucket}/objects`, { method: 'POST', headers: { ...h, 'content-type': 'application/json' }, body: '{}' });
      t.equal(notForm.status, 415);

      const signGet = await fetch(`${base}/v1/presign`, {
        method: 'POST',
        headers: { ...h, 'content-type': 'application/json' },
        body: JSON.stringify({ bucket, key: 'docs/hello.txt', method: 'GET', expiresIn: 60 }),
      });
      t.equal(signGet.status, 200);
      const g = (await signGet.json()) as { url: string; method: string; expiresAt: string };
      t.equal(g.method, 'GET');
      t.ok(Date.parse(g.expiresAt) > Date.now());
      if (driver === 's3') t.ok(g.url.startsWith(tenant.s3!.endpoint), 'an S3 tenant gets a URL of its S3 endpoint');
      else t.ok(g.url.startsWith(base), 'a disk tenant gets a URL of the gateway');
      t.equal(await (await fetch(g.url)).text(), 'hello world');
      t.equal((await fetch(g.url.replace(/.$/, (c: string) => (c === 'A' ? 'B' : 'A')))).status, 403, 'a tampered URL is refused');
      const signature = new URL(g.url).searchParams.get('signature') ?? new URL(g.url).searchParams.get('X-Amz-Signature');
      t.ok(signature);
      t.notOk(logs.join('').includes(signature!), 'the signature of a presigned URL is never logged');

      const signPut = await fetch(`${base}/v1/presign`, {
        method: 'POST',
        headers: { ...h, 'content-type': 'application/json' },
        body: JSON.stringify({ bucket, key: 'via presign.txt', method: 'PUT', expiresIn: 60, contentType: 'text/plain' }),
      });
      const p = (await signPut.json()) as { url: string; headers: Record<string, string> };
      t.same(p.headers, { 'content-type': 'text/plain' });
      const put = await fetch(p.url, { method: 'PUT', headers: p.headers, body: 'presigned body' });
      t.ok(put.ok, `presigned PUT answered ${put.status}`);
      const back = await req('GET', obj('via presign.txt'));
      t.equal(back.body, 'presigned body');
      t.equal(back.headers['content-type'], 'text/plain');
    });

    t.test('refuses to delete a non-empty bucket unless forced', async (t) => {
      const res = await req('DELETE', `/v1/buckets/${bucket}`);
      t.equal(res.statusCode, 409);
      t.equal(res.json().code, 'S3GATE_BUCKET_NOT_EMPTY');
      t.equal((await req('DELETE', `/v1/buckets/${bucket}?force=true`)).statusCode, 204);
      t.equal((await req('HEAD', `/v1/buckets/${bucket}`)).statusCode, 404);
      const gone = await req('GET', `/v1/buckets/${bucket}/objects`);
      t.equal(gone.statusCode, 404);
      t.equal(gone.json().code, 'S3GATE_BUCKET_NOT_FOUND');
    });
  });
}
