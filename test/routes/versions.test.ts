import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import t from 'tap';
import { bearer, listen, testApp } from '../helpers/app.js';
import { doorTenant, doorUrl, sdk } from '../helpers/door.js';
import { gqlClient } from '../helpers/graphql.js';
import { uniqueBucket } from '../helpers/rgw.js';

// Object versions on REST and GraphQL: list, read one, delete one (S3 backends); the disk driver says
// it keeps one version.
t.test('versions of a versioned bucket through REST and GraphQL (rgw)', async (t) => {
  const app = await testApp(t);
  const { key, apiKey } = await doorTenant(app, 'vers', 'rgw');
  const s3 = sdk(await doorUrl(app), key);
  const base = await listen(app);
  const h = bearer(apiKey);
  const bucket = uniqueBucket('vers');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  const one = (await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'doc', Body: 'one' }))).VersionId!;
  const two = (await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'doc', Body: 'two' }))).VersionId!;

  type Page = { versions: { key: string; versionId: string; isLatest: boolean; deleteMarker: boolean; size: number }[]; truncated: boolean };
  const list = async () => (await (await fetch(`${base}/v1/buckets/${bucket}/versions?prefix=doc`, { headers: h })).json()) as Page;
  t.match(
    await list(),
    {
      versions: [
        { key: 'doc', versionId: two, isLatest: true, deleteMarker: false, size: 3 },
        { versionId: one, isLatest: false },
      ],
      truncated: false,
    },
    'newest first',
  );
  t.equal(await (await fetch(`${base}/v1/buckets/${bucket}/objects/doc?versionId=${encodeURIComponent(one)}`, { headers: h })).text(), 'one', 'one version read');
  t.equal(await (await fetch(`${base}/v1/buckets/${bucket}/objects/doc`, { headers: h })).text(), 'two', 'the latest without versionId');
  const missing = await fetch(`${base}/v1/buckets/${bucket}/objects/doc?versionId=nosuchversion`, { headers: h });
  t.equal(missing.status, 404);

  const gql = gqlClient(base, apiKey);
  const page = await gql<{ objectVersions: Page }>(`{ objectVersions(bucket: "${bucket}", prefix: "doc") { versions { versionId isLatest deleteMarker } truncated } }`);
  t.same(
    page.data?.objectVersions.versions.map((v) => v.versionId),
    [two, one],
  );

  t.equal((await fetch(`${base}/v1/buckets/${bucket}/objects/doc?versionId=${encodeURIComponent(one)}`, { method: 'DELETE', headers: h })).status, 204, 'one version deleted');
  t.same(
    (await list()).versions.map((v) => v.versionId),
    [two],
  );
  t.same((await gql(`mutation { deleteObjectVersion(bucket: "${bucket}", key: "doc", versionId: "${two}") }`)).data, { deleteObjectVersion: true });
  t.same((await list()).versions, [], 'every version gone: no delete marker was made');
  const events = (await app.inject({ method: 'GET', url: `/v1/events?bucket=${bucket}&limit=100`, headers: h })).json().events as { type: string; data: { versionId: string | null } }[];
  t.same(
    events.map((e) => [e.type, e.data.versionId]),
    [
      ['s3:ObjectCreated:Put', one],
      ['s3:ObjectCreated:Put', two],
      ['s3:ObjectRemoved:Delete', one],
      ['s3:ObjectRemoved:Delete', two],
    ],
    'every event carries its version',
  );
});

t.test('the disk driver keeps one version of each object', async (t) => {
  const app = await testApp(t);
  const { apiKey } = await doorTenant(app, 'vers-disk', 'disk');
  const base = await listen(app);
  const h = bearer(apiKey);
  await fetch(`${base}/v1/buckets/onev`, { method: 'PUT', headers: h });
  await fetch(`${base}/v1/buckets/onev/objects/doc`, { method: 'PUT', headers: h, body: 'only' });
  const list = await fetch(`${base}/v1/buckets/onev/versions`, { headers: h });
  t.same([list.status, ((await list.json()) as { code: string }).code], [400, 'S3GATE_NEEDS_S3_BACKEND'], "the tenant's driver cannot: a 4xx, not the gateway's failure");
  t.equal(await (await fetch(`${base}/v1/buckets/onev/objects/doc?versionId=null`, { headers: h })).text(), 'only', 'null is its one version');
  const other = await fetch(`${base}/v1/buckets/onev/objects/doc?versionId=abc`, { headers: h });
  t.same([other.status, ((await other.json()) as { code: string }).code], [404, 'S3GATE_VERSION_NOT_FOUND']);
  t.equal((await fetch(`${base}/v1/buckets/onev/objects/doc?versionId=null`, { method: 'DELETE', headers: h })).status, 204);
  t.equal((await fetch(`${base}/v1/buckets/onev/objects/doc`, { headers: h })).status, 404, 'deleting null deletes the object');
});
