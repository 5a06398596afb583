import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import t from 'tap';
import { testApp } from '../helpers/app.js';
import { codeOf, doorTenant, doorUrl, sdk, signed, type S3Key } from '../helpers/door.js';
import { rawRequest } from '../helpers/http.js';
import { parseXmlStream } from '../../src/door/xml.js';

const MiB = 1024 * 1024;

async function post(url: string, key: S3Key, path: string, query: Record<string, string>, body: string | Buffer) {
  const s = await signed(url, key, { method: 'POST', path, query, payloadHash: 'UNSIGNED-PAYLOAD', headers: { 'content-length': String(Buffer.byteLength(body)) } });
  return rawRequest(url, { method: 'POST', path: s.path, headers: s.headers, body });
}

t.test("a request's XML body cannot hold the event loop", async (t) => {
  const app = await testApp(t);
  const url = await doorUrl(app);
  const { key } = await doorTenant(app, 'xml-a', 'disk');
  const other = await doorTenant(app, 'xml-b', 'disk');
  const s3 = sdk(url, key);
  await s3.send(new CreateBucketCommand({ Bucket: 'xml-a-b' }));
  const upload = await s3.send(new PutObjectCommand({ Bucket: 'xml-a-b', Key: 'k', Body: 'x' }));
  t.ok(upload.ETag);
  const theirs = sdk(url, other.key);
  await theirs.send(new CreateBucketCommand({ Bucket: 'xml-b-b' }));
  await theirs.send(new PutObjectCommand({ Bucket: 'xml-b-b', Key: 'k', Body: 'theirs' }));

  // About 4 MiB of a million empty elements, the audit's body; and the same shapes inside the
  // documents' own repeated elements.
  const bodies: [string, string, Record<string, string>, string][] = [
    ['a million empty elements', '/xml-a-b', { delete: '' }, `<Delete>${'<a/>'.repeat(1_000_000)}</Delete>`],
    ['450,000 empty Objects', '/xml-a-b', { delete: '' }, `<Delete>${'<Object/>'.repeat(450_000)}</Delete>`],
    ['550,000 empty Parts', '/xml-a-b/k', { uploadId: 'u' }, `<CompleteMultipartUpload>${'<Part/>'.repeat(550_000)}</CompleteMultipartUpload>`],
    ['deep nesting', '/xml-a-b', { delete: '' }, `<Delete>${'<a>'.repeat(200_000)}${'</a>'.repeat(200_000)}</Delete>`],
  ];
  for (const [what, path, query, body] of bodies) {
    t.ok(Buffer.byteLength(body) <= 4 * MiB, `${what}: within the byte limit (${Buffer.byteLength(body)} bytes)`);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const [res, get] = await Promise.all([
      post(url, key, path, query, body),
      // Another tenant's read while it is parsed.
      theirs.send(new GetObjectCommand({ Bucket: 'xml-b-b', Key: 'k' })).then((r) => r.Body!.transformToString()),
    ]);
    delay.disable();
    t.same([res.status, codeOf(res.body)], [400, 'MalformedXML'], what);
    t.equal(get, 'theirs');
    // Before the bound, parsing the first body held the loop for about 1.5 s on this machine.
    t.ok(delay.max / 1e6 < 300, `${what}: the loop was held at most ${(delay.max / 1e6).toFixed(0)} ms`);
  }
  t.equal((await s3.send(new HeadObjectCommand({ Bucket: 'xml-a-b', Key: 'k' }))).ContentLength, 1, 'nothing was deleted');
});

t.test('a large valid document is parsed a slice at a time', async (t) => {
  // 10,000 parts, every one with its checksums: the largest CompleteMultipartUpload, well under 4 MiB.
  const part = (n: number) => `<Part><PartNumber>${n}</PartNumber><ETag>"${'a'.repeat(32)}"</ETag><ChecksumCRC32>AAAAAA==</ChecksumCRC32><ChecksumSHA256>${'A'.repeat(43)}=</ChecksumSHA256></Part>`;
  const body = Buffer.from(`<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${Array.from({ length: 10_000 }, (_, i) => part(i + 1)).join('')}</CompleteMultipartUpload>`);
  let turns = 0;
  let spinning = true;
  const spin = () => {
    turns++;
    if (spinning) setImmediate(spin);
  };
  setImmediate(spin);
  const doc = await parseXmlStream([body], { root: 'CompleteMultipartUpload', maxBytes: 4 * MiB, maxElements: 100_016, repeated: { Part: 10_000 } });
  spinning = false;
  const parts = doc!.Part as { PartNumber: string; ETag: string }[];
  t.equal(parts.length, 10_000);
  t.same(parts[9999], { PartNumber: '10000', ETag: `"${'a'.repeat(32)}"`, ChecksumCRC32: 'AAAAAA==', ChecksumSHA256: `${'A'.repeat(43)}=` });
  t.ok(turns >= Math.floor(body.length / (64 * 1024)), `the loop turned ${turns} times while ${body.length} bytes were parsed`);
});

t.test('DeleteObjects deletes exactly the keys it names, as XML 1.0 decodes them', async (t) => {
  const app = await testApp(t);
  const url = await doorUrl(app);
  const { key } = await doorTenant(app, 'xml-keys', 'disk');
  const s3 = sdk(url, key);
  await s3.send(new CreateBucketCommand({ Bucket: 'xml-keys-b' }));
  for (const k of ['&A<', '&&#x41;<', '&AA<😀', 'plain', 'sp ace']) await s3.send(new PutObjectCommand({ Bucket: 'xml-keys-b', Key: k, Body: 'x' }));
  const list = async () => ((await s3.send(new ListObjectsV2Command({ Bucket: 'xml-keys-b' }))).Contents ?? []).map((o) => o.Key).sort();

  const refused = await post(url, key, '/xml-keys-b', { delete: '' }, '<Delete><Object><Key>&amp;&#x41;&#0;&lt;</Key></Object><Object><Key>plain</Key></Object></Delete>');
  t.same([refused.status, codeOf(refused.body)], [400, 'MalformedXML'], 'a reference to a character XML forbids (&#0;)');
  t.same(await list(), ['&&#x41;<', '&A<', '&AA<😀', 'plain', 'sp ace'].sort(), 'nothing was deleted');

  const res = await post(
    url,
    key,
    '/xml-keys-b',
    { delete: '' },
    '<Delete><Object><Key>&amp;&#x41;&lt;</Key></Object><Object><Key>&amp;&#65;&#x41;&lt;&#x1F600;</Key></Object><Object><Key>sp&#x20;ace</Key></Object></Delete>',
  );
  t.equal(res.status, 200, res.body);
  t.match(res.body, /<Deleted><Key>&amp;A&lt;<\/Key><\/Deleted>/);
  t.same(await list(), ['&&#x41;<', 'plain'].sort(), 'each key was deleted as it decodes, and no other');

  for (const [what, body] of <[string, string | Buffer][]>[
    ['a raw control character', '<Delete><Object><Key>a\u0001b</Key></Object></Delete>'],
    ['an undefined entity', '<Delete><Object><Key>&nbsp;</Key></Object></Delete>'],
    ['a reference to a surrogate', '<Delete><Object><Key>&#xD800;</Key></Object></Delete>'],
    ['bytes that are not UTF-8', Buffer.concat([Buffer.from('<Delete><Object><Key>'), Buffer.from([0xff, 0xfe]), Buffer.from('</Key></Object></Delete>')])],
    ['another root', '<Remove><Object><Key>plain</Key></Object></Remove>'],
    ['Quiet twice', '<Delete><Quiet>true</Quiet><Quiet>false</Quiet><Object><Key>plain</Key></Object></Delete>'],
  ]) {
    const r = await post(url, key, '/xml-keys-b', { delete: '' }, body);
    t.same([r.status, codeOf(r.body)], [400, 'MalformedXML'], what);
  }
  t.same(await list(), ['&&#x41;<', 'plain'].sort());
});
