import { CopyObjectCommand, CreateBucketCommand, DeleteObjectTaggingCommand, GetObjectCommand, GetObjectTaggingCommand, PutObjectCommand, PutObjectTaggingCommand } from '@aws-sdk/client-s3';
import t from 'tap';
import { bearer, listen, testApp } from '../helpers/app.js';
import { doorTenant, doorUrl, failure, sdk, type Driver } from '../helpers/door.js';
import { gqlClient } from '../helpers/graphql.js';
import { uniqueBucket } from '../helpers/rgw.js';

// Object tags on both drivers, through the door, REST and GraphQL alike, with S3's events.
for (const driver of ['disk', 'rgw'] as Driver[]) {
  t.test(`object tags (${driver})`, async (t) => {
    const app = await testApp(t);
    const { key, apiKey } = await doorTenant(app, `tags-${driver}`, driver);
    const s3 = sdk(await doorUrl(app), key);
    const bucket = uniqueBucket('tags');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const tagsOf = async (Key: string) => (await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key }))).TagSet;

    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x', Tagging: 'team=blue&stage=dev%20one' }));
    t.same(Object.fromEntries((await tagsOf('k'))!.map((x) => [x.Key, x.Value])), { team: 'blue', stage: 'dev one' }, 'x-amz-tagging on PutObject');
    t.equal((await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }))).TagCount, 2, 'a read says how many tags it has');
    await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'k', Tagging: { TagSet: [{ Key: 'only', Value: 'one' }] } }));
    t.same(await tagsOf('k'), [{ Key: 'only', Value: 'one' }], 'PutObjectTagging replaces them');
    await s3.send(new CopyObjectCommand({ Bucket: bucket, Key: 'copy', CopySource: `${bucket}/k` }));
    t.same(await tagsOf('copy'), [{ Key: 'only', Value: 'one' }], 'a copy keeps them');
    await s3.send(new DeleteObjectTaggingCommand({ Bucket: bucket, Key: 'k' }));
    t.same(await tagsOf('k'), [], 'DeleteObjectTagging removes them');
    await s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'k', Tagging: { TagSet: [{ Key: 'a', Value: 'b' }] } }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'y' }));
    t.same(await tagsOf('k'), [], 'a new object under the key has no tags');

    const eleven = Array.from({ length: 11 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    t.match(await failure(s3.send(new PutObjectTaggingCommand({ Bucket: bucket, Key: 'k', Tagging: { TagSet: eleven } }))), { name: 'InvalidTag', status: 400 });
    t.match(await failure(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'bad', Body: 'x', Tagging: 'a=1&a=2' }))), { name: 'InvalidTag', status: 400 });
    t.match(await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'bad' }))), { status: 404 }, 'a refused write stored nothing');
    t.match(await failure(tagsOf('absent')), { name: 'NoSuchKey', status: 404 });

    // REST and GraphQL.
    const base = await listen(app);
    const rest = (method: string, body?: unknown) =>
      fetch(`${base}/v1/buckets/${bucket}/tags/k`, {
        method,
        headers: { ...bearer(apiKey), ...(body !== undefined && { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    t.equal((await rest('PUT', { tags: { env: 'prod' } })).status, 200);
    t.same(await (await rest('GET')).json(), { tags: { env: 'prod' } });
    t.equal((await rest('DELETE')).status, 204);
    t.same(await (await rest('GET')).json(), { tags: {} });
    const tooMany = await rest('PUT', { tags: Object.fromEntries(eleven.map((x) => [x.Key, x.Value])) });
    t.same([tooMany.status, ((await tooMany.json()) as { code: string }).code], [400, 'S3GATE_INVALID_TAG']);
    const gql = gqlClient(base, apiKey);
    t.same((await gql(`mutation { putObjectTags(bucket: "${bucket}", key: "k", tags: { from: "graphql" }) }`)).data, { putObjectTags: { from: 'graphql' } });
    t.same((await gql(`{ objectTags(bucket: "${bucket}", key: "k") }`)).data, { objectTags: { from: 'graphql' } });
    t.equal((await gql(`{ objectTags(bucket: "${bucket}", key: "absent") }`)).errors?.[0].extensions.code, 'S3GATE_OBJECT_NOT_FOUND');

    const events = (await app.inject({ method: 'GET', url: `/v1/events?bucket=${bucket}&limit=100`, headers: bearer(apiKey) })).json().events as { type: string; data: { key: string } }[];
    const kinds = events.filter((e) => e.data.key === 'k' && e.type.startsWith('s3:ObjectTagging:')).map((e) => e.type);
    t.same(
      kinds,
      ['s3:ObjectTagging:Put', 's3:ObjectTagging:Delete', 's3:ObjectTagging:Put', 's3:ObjectTagging:Put', 's3:ObjectTagging:Delete', 's3:ObjectTagging:Put'],
      'every change of tags is an event, whatever the face',
    );
  });
}
