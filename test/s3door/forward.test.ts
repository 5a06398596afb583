import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectTaggingCommand,
  GetBucketCorsCommand,
  GetBucketVersioningCommand,
  GetObjectAclCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  ListObjectVersionsCommand,
  PutBucketCorsCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  GetBucketAclCommand,
} from '@aws-sdk/client-s3';
import t from 'tap';
import { admin, bearer, testApp } from '../helpers/app.js';
import { doorTenant, doorUrl, failure, sdk } from '../helpers/door.js';
import { uniqueBucket } from '../helpers/rgw.js';

// What the door carries to a tenant's S3 backend as it is: versions, tags, ACLs, CORS configuration...
// through the tenant's own credentials, with S3's events; on the disk driver the same requests answer 501.
t.test('the rest of the S3 surface, from the backend (rgw)', async (t) => {
  const app = await testApp(t);
  const { key, apiKey } = await doorTenant(app, 'fwd', 'rgw');
  const url = await doorUrl(app);
  const s3 = sdk(url, key);
  const bucket = uniqueBucket('fwd');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const events = async () =>
    (await app.inject({ method: 'GET', url: `/v1/events?bucket=${bucket}&limit=100`, headers: bearer(apiKey) })).json().events as { type: string; data: { key: string; versionId: string | null } }[];

  // Versioning: configuration, real versions, a version read and deleted by id.
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  t.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status, 'Enabled');
  const first = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'v', Body: 'one' }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'v', Body: 'two' }));
  t.ok(first.VersionId, 'PutObject answers the version it made');
  const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'mp' }));
  const part = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: 'mp', UploadId: up.UploadId, PartNumber: 1, Body: 'p' }));
  const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'mp', UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
  t.ok(done.VersionId, 'and so does CompleteMultipartUpload');
  const versions = (await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'v' }))).Versions ?? [];
  t.equal(versions.length, 2, 'ListObjectVersions lists the real versions');
  const oldest = versions.find((v) => !v.IsLatest)!;
  t.equal(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'v', VersionId: oldest.VersionId }))).Body!.transformToString(), 'one', 'a version read by id');
  const marker = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'v' }));
  t.equal(marker.DeleteMarker, true, 'a delete in a versioned bucket makes a delete marker');
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'v', VersionId: oldest.VersionId }));
  const after = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: 'v' }));
  t.same([after.Versions?.length, after.DeleteMarkers?.length], [1, 1], 'the version deleted by id is gone, the marker stays');
  let seen = await events();
  t.ok(
    seen.some((e) => e.type === 's3:ObjectRemoved:Delete' && e.data.versionId === oldest.VersionId),
    'deleting a version is an event carrying its versionId',
  );

  // Tags, with their events (in an unversioned bucket: RGW 16 keeps the tags of a versioned object on DeleteObjectTagging).
  const plain = uniqueBucket('fwdp');
  await s3.send(new CreateBucketCommand({ Bucket: plain }));
  await s3.send(new PutObjectCommand({ Bucket: plain, Key: 'tagged', Body: 'x' }));
  await s3.send(new PutObjectTaggingCommand({ Bucket: plain, Key: 'tagged', Tagging: { TagSet: [{ Key: 'team', Value: 'blue' }] } }));
  t.same((await s3.send(new GetObjectTaggingCommand({ Bucket: plain, Key: 'tagged' }))).TagSet, [{ Key: 'team', Value: 'blue' }]);
  t.equal((await s3.send(new GetObjectCommand({ Bucket: plain, Key: 'tagged' }))).TagCount, 1, "a read passes on the backend's x-amz-tagging-count");
  await s3.send(new DeleteObjectTaggingCommand({ Bucket: plain, Key: 'tagged' }));
  t.same((await s3.send(new GetObjectTaggingCommand({ Bucket: plain, Key: 'tagged' }))).TagSet, []);
  seen = (await app.inject({ method: 'GET', url: `/v1/events?bucket=${plain}&limit=100`, headers: bearer(apiKey) })).json().events;
  t.ok(seen.some((e) => e.type === 's3:ObjectTagging:Put' && e.data.key === 'tagged'));
  t.ok(seen.some((e) => e.type === 's3:ObjectTagging:Delete' && e.data.key === 'tagged'));

  // A write with a canned ACL is the backend's to apply; the ACL reads back.
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'public', Body: 'p', ACL: 'public-read' }));
  const acl = await s3.send(new GetObjectAclCommand({ Bucket: bucket, Key: 'public' }));
  t.ok(
    acl.Grants?.some((g) => g.Grantee?.URI === 'http://acs.amazonaws.com/groups/global/AllUsers' && g.Permission === 'READ'),
    'public-read applied by the backend',
  );
  t.ok(
    (await events()).some((e) => e.type === 's3:ObjectCreated:Put' && e.data.key === 'public'),
    'and the forwarded write is an event',
  );

  // CORS configuration round trip.
  const rule = { AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'], MaxAgeSeconds: 60 };
  await s3.send(new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [rule] } }));
  t.match((await s3.send(new GetBucketCorsCommand({ Bucket: bucket }))).CORSRules, [{ AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET', 'PUT'] }]);

  // What stays the gateway's or another's.
  t.match(
    await failure(s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: bucket, NotificationConfiguration: {} }))),
    { name: 'NotImplemented', status: 501 },
    "notification wiring is the gateway's",
  );
  const other = await doorTenant(app, 'fwd-other', 'rgw');
  const theirs = uniqueBucket('theirs');
  await sdk(url, other.key).send(new CreateBucketCommand({ Bucket: theirs }));
  t.match(await failure(s3.send(new GetBucketAclCommand({ Bucket: theirs }))), { status: 403 }, "another tenant's bucket is refused by the backend, under this tenant's own credentials");

  // Limits hold on a forwarded write: over maxObjectSize nothing is stored.
  await app.inject({ method: 'PATCH', url: '/admin/tenants/fwd', headers: admin, payload: { limits: { maxObjectSize: 1024 } } });
  t.match(await failure(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'big', Body: Buffer.alloc(4096), ACL: 'public-read' }))), { name: 'EntityTooLarge' });
  t.match(await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'big' }))), { status: 404 });
});

t.test('the same requests on the disk driver answer 501 NotImplemented', async (t) => {
  const app = await testApp(t);
  const { key } = await doorTenant(app, 'fwd-disk', 'disk');
  const s3 = sdk(await doorUrl(app), key);
  const bucket = uniqueBucket('fwdd');
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'x' }));
  t.match(
    await failure(s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }))),
    { name: 'NotImplemented', status: 501, message: /on the disk driver \(tenants on an S3 backend have it\)/ },
    'the answer says what would have it',
  );
  t.match(await failure(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k', VersionId: 'abc' }))), { name: 'NotImplemented', status: 501 });
  t.match(await failure(s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: 'y', ACL: 'public-read' }))), { name: 'NotImplemented', status: 501 });
  t.equal(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }))).Body!.transformToString(), 'x', 'nothing was stored without what it asked for');
});
