// npm run bench [-- --quick]: the gateway beside direct S3 access and a bare Node pipe proxy, against the
// same Ceph RGW, in one run. Every measure runs its sides in alternating rounds (A B A B …, BENCH_RUNS
// rounds, 3 by default) and reports each side's median with its min–max, and the ratio of the medians.
// Phases: small objects (1 KiB GET and PUT at c=32, GET at c=1, listing over REST and GraphQL), large
// objects (streamed upload with Content-Length and chunked, download beside direct and the pipe proxy),
// webhook events on SQLite and on PostgreSQL (a steady 1,000 writes/s, a burst of 10,000, a replay of
// 10,000), the S3 door, tus, tracing on and off, and 10,000 tenants on a gateway of their own. The
// gateway's RSS is sampled every 20 ms over everything. Prints a table and the aims, and
// writes JSON under bench/results/.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Pool } from 'undici';
import { directClient, rgwEndpoint, rgwUser } from '../test/helpers/rgw.js';
import { startGateway } from './gateway.js';
import { KiB, RssSampler } from './lib/measure.js';
import { manyTenants } from './lib/tenants.js';

import { root, QUICK, CONCURRENCY, TENANTS, MANY_TENANTS, LIVE_TENANTS, sides, type Bench } from './phases/bench.js';
import { doorPhase } from './phases/door.js';
import { eventPhase } from './phases/events.js';
import { largeObjects } from './phases/large.js';
import { report } from './phases/report.js';
import { smallObjects } from './phases/small.js';
import { tracingPhase } from './phases/tracing.js';
import { tusPhase } from './phases/tus.js';

async function main() {
  const started = performance.now();
  const say = (s: string) => process.stderr.write(`bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s: ${s}\n`);
  // Memstore keeps every byte in RAM: a full run starts from an empty cluster so earlier runs cannot fill
  // it; a quick one (a few hundred MB at most) takes RGW as it is.
  execFileSync('bash', [join(root, 'scripts/rgw.sh'), QUICK ? 'start' : 'restart'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const endpoint = rgwEndpoint();
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const user = rgwUser('bench');
  const s3 = directClient(user);
  const bucket = `bench-${randomBytes(4).toString('hex')}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));

  // The gateway as its own process, built as `npm start` runs it, with one tenant on the same RGW user.
  const apiKey = 's3g_' + randomBytes(32).toString('base64url');
  const adminToken = 'bench-admin-' + randomBytes(8).toString('hex');
  const tenantsDir = mkdtempSync(join(os.tmpdir(), 's3gate-bench-tenants-'));
  const tenantsFile = join(tenantsDir, 'tenants.json');
  writeFileSync(
    tenantsFile,
    JSON.stringify({ tenants: [{ id: 'bench', s3: { endpoint, accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey }, pool: { maxSockets: 64 }, apiKeys: [apiKey] }] }),
  );
  const nodeArgs = process.env.BENCH_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean);
  const gatewayEnv = { S3GATE_TENANTS_FILE: tenantsFile, S3GATE_ADMIN_TOKEN: adminToken };
  const main = await startGateway({ dataDir: mkdtempSync(join(os.tmpdir(), 's3gate-bench-')), env: gatewayEnv, nodeArgs });
  const pid = main.child.pid!;
  const rss = new RssSampler(pid);
  rss.phase('idle');
  const http = new Pool(main.base, { connections: CONCURRENCY, pipelining: 1 });
  const auth = { authorization: `Bearer ${apiKey}` };
  const obj = (k: string) => `/v1/buckets/${bucket}/objects/${k}`;
  const cpuPerRequest: Record<string, number> = {};
  /** CPU ms per direct PUT (no gateway): of the storage's processes, and of the whole machine. */
  const directPutCpu = { storage: 0, machine: 0 };

  const small = randomBytes(KiB);
  for (let i = 0; i < 100; i++) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `small/${i}`, Body: small }));
  await Promise.all(
    Array.from({ length: 16 }, async (_, w) => {
      for (let i = w; i < 1000; i += 16) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `list/${String(i).padStart(4, '0')}`, Body: 'x' }));
    }),
  );

  const b: Bench = { s3, bucket, endpoint, user, main, pid, rss, http, auth, obj, cpuPerRequest, directPutCpu, small, nodeArgs, gatewayEnv, adminToken, say, ...sides(pid, cpuPerRequest) };
  const { memoryFloor } = await smallObjects(b);
  await largeObjects(b);
  const { events, deliveryFloor } = await eventPhase(b);
  await doorPhase(b);
  await tusPhase(b);
  const tracingCpu = await tracingPhase(b);

  rss.stop();
  const peakRss = rss.peak;
  await http.close();
  await main.stop();
  rmSync(tenantsDir, { recursive: true, force: true });

  // ---- Many tenants -----------------------------------------------------------------------------
  say(`${TENANTS} tenants`);
  const tenantsOf = { endpoint, accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey, bucket, key: 'small/0', nodeArgs };
  const tenants = await manyTenants({ count: TENANTS, ...tenantsOf });
  say(`${MANY_TENANTS} tenants, ${LIVE_TENANTS} of them live`);
  const liveTenants = await manyTenants({ count: MANY_TENANTS, live: LIVE_TENANTS, ...tenantsOf });
  s3.destroy();

  report(b, { started, peakRss, memoryFloor, events, deliveryFloor, tracingCpu, tenants, liveTenants });
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
  process.exit(1);
});
