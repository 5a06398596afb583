// npm run bench:tenants [-- --tenants N] [-- --live M] [-- --max-live L] [-- --snapshot]: the many-tenants
// phase of `npm run bench` alone: a gateway whose tenants file holds N tenants (10,000), M of them (all)
// each making one GET, at most L live clients (S3GATE_POOL_MAX_TENANTS, its default unless given); RSS before and after, live clients, first-request latencies. With --snapshot a heap
// snapshot is taken before and after the requests and summed by constructor in the result file (the
// .heapsnapshot files stay local, for DevTools; making a snapshot takes native memory the process keeps, so a run with
// --snapshot says nothing about RSS).
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { directClient, rgwEndpoint, rgwUser } from '../test/helpers/rgw.js';
import { root } from './phases/bench.js';
import { manyTenants } from './lib/tenants.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

async function main() {
  const count = arg('tenants', 10_000);
  const live = arg('live', count);
  const snapshot = process.argv.includes('--snapshot');
  const maxLive = arg('max-live', 0);
  const user = rgwUser('bench');
  const s3 = directClient(user);
  const bucket = `bench-${randomBytes(4).toString('hex')}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'small/0', Body: randomBytes(1024) }));
  s3.destroy();
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const dir = join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const figures = await manyTenants({
    count,
    live,
    endpoint: rgwEndpoint(),
    accessKeyId: user.accessKeyId,
    secretAccessKey: user.secretAccessKey,
    bucket,
    key: 'small/0',
    nodeArgs: process.env.BENCH_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean),
    ...(maxLive > 0 && { env: { S3GATE_POOL_MAX_TENANTS: String(maxLive) } }),
    ...(snapshot && { heapSnapshot: join(dir, `tenants-${stamp}`) }),
  });
  const file = join(dir, `tenants-${stamp}.json`);
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), ...figures }, null, 2) + '\n');
  process.stdout.write(JSON.stringify(figures, null, 2) + `\n${file}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench:tenants failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
