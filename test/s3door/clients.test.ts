import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { bearer, tempDir, testApp } from '../helpers/app.js';
import { doorTenant, doorUrl, type Driver, type S3Key } from '../helpers/door.js';
import { uniqueBucket } from '../helpers/rgw.js';

// Real S3 clients nobody here wrote, from Debian (scripts/test.sh installs them) and from pip, against
// the door, on the disk driver and on RGW: what users will point at s3gate.
const run = promisify(execFile);
const boto3Check = fileURLToPath(new URL('./clients/boto3_check.py', import.meta.url));
const MiB = 1024 * 1024;

async function randomFile(path: string, size: number): Promise<string> {
  const hash = createHash('md5');
  const out = createWriteStream(path);
  for (let left = size; left > 0; left -= MiB) {
    const chunk = randomBytes(Math.min(MiB, left));
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return hash.digest('hex');
}

const md5File = (path: string) => createHash('md5').update(readFileSync(path)).digest('hex');

function clientEnv(home: string, key: S3Key): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    AWS_ACCESS_KEY_ID: key.accessKeyId,
    AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(home, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
  };
  // Debian's rclone 1.60 fails to build any S3 client when AWS_CA_BUNDLE is set (it is on this machine).
  delete env.AWS_CA_BUNDLE;
  delete env.AWS_PROFILE;
  return env;
}

for (const driver of ['disk', 'rgw'] as Driver[]) {
  t.test(`real S3 clients through the door (${driver})`, async (t) => {
    const app = await testApp(t);
    const { key, apiKey } = await doorTenant(app, `cli-${driver}`, driver);
    const url = await doorUrl(app);
    const dir = tempDir(t);
    const env = clientEnv(dir, key);
    const sh = async (file: string, args: string[], extra: NodeJS.ProcessEnv = {}) => {
      try {
        return (await run(file, args, { env: { ...env, ...extra }, maxBuffer: 16 * MiB, timeout: 120_000 })).stdout;
      } catch (err) {
        const e = err as { stderr?: string; stdout?: string; message: string };
        throw new Error(`${file} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`);
      }
    };
    const big = join(dir, 'big.bin');
    const bigMd5 = await randomFile(big, 24 * MiB);
    const mid = join(dir, 'mid.bin');
    const midMd5 = await randomFile(mid, 20 * MiB);
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'sub'), { recursive: true });
    for (const [name, body] of [
      ['a.txt', 'alpha'],
      ['b c.txt', 'bravo'],
      ['sub/d+e.txt', 'delta'],
    ])
      writeFileSync(join(tree, name), body);

    t.test('AWS CLI v2 (Debian) and v1 (pip): cp of 24 MiB both ways in three 8 MiB parts, sync, s3api', async (t) => {
      for (const [name, aws, file, md5] of [
        ['aws 2.9', '/usr/bin/aws', big, bigMd5],
        ['aws 1.x', 'aws', mid, midMd5],
      ] as const) {
        const bucket = uniqueBucket('awscli');
        const e = ['--endpoint-url', url];
        await sh(aws, [...e, 's3', 'mb', `s3://${bucket}`]);
        await sh(aws, [...e, 's3', 'cp', '--only-show-errors', file, `s3://${bucket}/data/file.bin`]);
        const head = JSON.parse(await sh(aws, [...e, 's3api', 'head-object', '--bucket', bucket, '--key', 'data/file.bin']));
        t.match(head.ETag, /-\d+"$/, `${name}: the upload went multipart`);
        t.equal(head.ContentLength, file === big ? 24 * MiB : 20 * MiB);
        const back = join(dir, `back-${bucket}`);
        await sh(aws, [...e, 's3', 'cp', '--only-show-errors', `s3://${bucket}/data/file.bin`, back]);
        t.equal(md5File(back), md5, `${name}: the download is the upload`);

        await sh(aws, [...e, 's3', 'sync', '--only-show-errors', tree, `s3://${bucket}/tree`]);
        const down = join(dir, `down-${bucket}`);
        await sh(aws, [...e, 's3', 'sync', '--only-show-errors', `s3://${bucket}/tree`, down]);
        for (const f of ['a.txt', 'b c.txt', 'sub/d+e.txt']) t.equal(readFileSync(join(down, f), 'utf8'), readFileSync(join(tree, f), 'utf8'), `${name}: synced ${f}`);
        t.equal(await sh(aws, [...e, 's3', 'sync', '--dryrun', tree, `s3://${bucket}/tree`]), '', `${name}: a second sync has nothing to do`);

        await sh(aws, [...e, 's3api', 'put-object', '--bucket', bucket, '--key', 'meta.txt', '--body', join(tree, 'a.txt'), '--metadata', 'k=v', '--content-type', 'text/plain']);
        await sh(aws, [
          ...e,
          's3api',
          'copy-object',
          '--bucket',
          bucket,
          '--key',
          'meta-copy.txt',
          '--copy-source',
          `${bucket}/meta.txt`,
          '--metadata-directive',
          'REPLACE',
          '--metadata',
          'n=2',
          '--content-type',
          'text/x-copy',
        ]);
        const copied = JSON.parse(await sh(aws, [...e, 's3api', 'head-object', '--bucket', bucket, '--key', 'meta-copy.txt']));
        t.same([copied.ContentType, copied.Metadata], ['text/x-copy', { n: '2' }], `${name}: copy with REPLACE`);
        const listed = JSON.parse(await sh(aws, [...e, 's3api', 'list-objects-v2', '--bucket', bucket, '--prefix', 'tree/', '--delimiter', '/']));
        t.same(
          [listed.Contents.map((c: { Key: string }) => c.Key), listed.CommonPrefixes.map((p: { Prefix: string }) => p.Prefix)],
          [['tree/a.txt', 'tree/b c.txt'], ['tree/sub/']],
          `${name}: list-objects-v2 with a delimiter`,
        );
        // What the door does not model is the backend's on RGW, and says so on the disk driver.
        const acl = await sh(aws, [...e, 's3api', 'get-bucket-acl', '--bucket', bucket]).catch((err: Error) => err.message);
        if (driver === 'disk') t.match(acl, /NotImplemented/, `${name}: an operation the disk driver does not have says so`);
        else t.match(JSON.parse(acl), { Grants: [{ Permission: 'FULL_CONTROL' }] }, `${name}: the backend's ACL`);
        await sh(aws, [...e, 's3', 'rb', '--force', `s3://${bucket}`]);
        t.notMatch(await sh(aws, [...e, 's3', 'ls']), bucket, `${name}: rb --force removed the bucket`);
      }
    });

    t.test('boto3 1.26 (Debian) and 1.43 (pip): transfers, paginators, presigned URLs, copy', async (t) => {
      for (const python of ['/usr/bin/python3', 'python3']) {
        const bucket = uniqueBucket('boto3');
        const out = JSON.parse(await sh(python, [boto3Check, url, key.accessKeyId, key.secretAccessKey, bucket, mid]));
        t.match(
          out,
          {
            uploadEtag: /-3"$/,
            uploadMeta: ['application/x-test', { origin: 'boto3' }],
            roundTrip: true,
            v2Pages: [
              ['page/00 file+name.txt', 'page/01 file+name.txt', 'page/02 file+name.txt'],
              ['page/03 file+name.txt', 'page/04 file+name.txt', 'page/05 file+name.txt'],
              ['page/06 file+name.txt'],
            ],
            v1Pages: [['big.bin'], ['page/']],
            presignedGet: '3',
            presignedPut: 200,
            presignedPutBody: 'put by url',
            copySize: 20 * MiB,
            smallCopy: '1',
            deleted: Array.from({ length: 7 }, (_, i) => `page/0${i} file+name.txt`),
            missing: 'NoSuchKey',
            bucketGone: true,
          },
          `boto3 ${out.boto3} (${python})`,
        );
      }
    });

    t.test('rclone: copy, sync, check', async (t) => {
      const bucket = uniqueBucket('rclone');
      const remote = {
        RCLONE_CONFIG_GW_TYPE: 's3',
        RCLONE_CONFIG_GW_PROVIDER: 'Other',
        RCLONE_CONFIG_GW_ENDPOINT: url,
        RCLONE_CONFIG_GW_ACCESS_KEY_ID: key.accessKeyId,
        RCLONE_CONFIG_GW_SECRET_ACCESS_KEY: key.secretAccessKey,
        RCLONE_CONFIG_GW_REGION: 'us-east-1',
      };
      const rclone = (...args: string[]) => sh('rclone', ['--config', join(dir, 'rclone.conf'), '-q', ...args], remote);
      await rclone('mkdir', `gw:${bucket}`);
      await rclone('copy', tree, `gw:${bucket}/copy`);
      await rclone('copyto', mid, `gw:${bucket}/mid.bin`);
      await rclone('sync', tree, `gw:${bucket}/sync`);
      await rclone('check', tree, `gw:${bucket}/sync`);
      writeFileSync(join(tree, 'a.txt'), 'alpha, changed');
      await t.rejects(rclone('check', tree, `gw:${bucket}/sync`), 'check sees a difference');
      await rclone('sync', tree, `gw:${bucket}/sync`);
      await rclone('check', tree, `gw:${bucket}/sync`);
      writeFileSync(join(tree, 'a.txt'), 'alpha');
      const lsl = await rclone('lsf', '-R', `gw:${bucket}`);
      t.same(lsl.trim().split('\n').sort(), [
        'copy/',
        'copy/a.txt',
        'copy/b c.txt',
        'copy/sub/',
        'copy/sub/d+e.txt',
        'mid.bin',
        'sync/',
        'sync/a.txt',
        'sync/b c.txt',
        'sync/sub/',
        'sync/sub/d+e.txt',
      ]);
      await rclone('copyto', `gw:${bucket}/mid.bin`, join(dir, 'mid.rclone'));
      t.equal(md5File(join(dir, 'mid.rclone')), midMd5);
      await rclone('purge', `gw:${bucket}`);
    });

    t.test('s3cmd: mb, put (multipart), get, sync, ls, del, rb', async (t) => {
      const bucket = uniqueBucket('s3cmd');
      const host = new URL(url).host;
      const s3cmd = (...args: string[]) =>
        sh('s3cmd', [
          `--access_key=${key.accessKeyId}`,
          `--secret_key=${key.secretAccessKey}`,
          `--host=${host}`,
          `--host-bucket=${host}`,
          '--no-ssl',
          '--region=us-east-1',
          '--config=/dev/null',
          ...args,
        ]);
      await s3cmd('mb', `s3://${bucket}`);
      await s3cmd('put', mid, `s3://${bucket}/mid.bin`);
      await s3cmd('get', '--force', `s3://${bucket}/mid.bin`, join(dir, 'mid.s3cmd'));
      t.equal(md5File(join(dir, 'mid.s3cmd')), midMd5);
      await s3cmd('sync', `${tree}/`, `s3://${bucket}/tree/`);
      const ls = await s3cmd('ls', '--recursive', `s3://${bucket}`);
      t.match(ls, /s3:\/\/[\w-]+\/tree\/sub\/d\+e\.txt/);
      t.match(ls, /20971520\s+s3:\/\/[\w-]+\/mid\.bin/);
      await s3cmd('del', '--recursive', '--force', `s3://${bucket}`);
      await s3cmd('rb', `s3://${bucket}`);
    });

    // What the clients did is in the tenant's event log, as REST writes are.
    t.test('their writes are events', async (t) => {
      const events = (await app.inject({ method: 'GET', url: '/v1/events?limit=1000', headers: bearer(apiKey) })).json().events as { type: string; data: { key: string } }[];
      t.ok(
        events.some((e) => e.type === 's3:ObjectCreated:CompleteMultipartUpload' && e.data.key === 'data/file.bin'),
        'aws s3 cp (multipart)',
      );
      t.ok(
        events.some((e) => e.type === 's3:ObjectCreated:Put' && e.data.key === 'sync/sub/d+e.txt'),
        'rclone sync',
      );
      t.ok(
        events.some((e) => e.type === 's3:ObjectRemoved:Delete' && e.data.key === 'mid.bin'),
        's3cmd del',
      );
    });
  });
}
