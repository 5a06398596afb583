// npm run bench:download: what a download costs the gateway with the start script's malloc settings and
// without them. glibc decides per process whether it hands freed heap back to the kernel (its dynamic
// trim threshold moves with the first large frees), so one start says little: this starts the gateway
// afresh STARTS times per side, alternating, and downloads one object ROUNDS times from each start,
// recording MB/s, CPU ms per MiB and minor page faults per MiB from /proc. Writes results/download-<ts>.json.
// BENCH_DOWNLOAD_FLAGS='--heap-growing-percent=0' compares npm start's Node flags with those flags added
// instead (both sides with the start script's environment).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { directClient, rgwEndpoint, rgwUser } from '../test/helpers/rgw.js';
import { startFlags, startGateway } from './gateway.js';
import { bytes, cpuMsOf, drain, mbps, MiB, minorFaultsOf, round, summary, timed } from './lib/measure.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const SIZE = Number(process.env.BENCH_DOWNLOAD_BYTES ?? 512 * MiB);
const STARTS = Number(process.env.BENCH_DOWNLOAD_STARTS ?? 3);
const ROUNDS = Number(process.env.BENCH_DOWNLOAD_ROUNDS ?? 3);

execFileSync('bash', [join(root, 'scripts/rgw.sh'), 'start'], { stdio: ['ignore', 'ignore', 'inherit'] });
execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
const user = rgwUser('bench');
const s3 = directClient(user);
const bucket = `bench-dl-${randomBytes(4).toString('hex')}`;
await s3.send(new CreateBucketCommand({ Bucket: bucket }));
await new Upload({ client: s3, params: { Bucket: bucket, Key: 'large', Body: bytes(SIZE) }, partSize: 8 * MiB, queueSize: 2 }).done();

const apiKey = 's3g_' + randomBytes(32).toString('base64url');
const tenantsDir = mkdtempSync(join(os.tmpdir(), 's3gate-bench-dl-'));
const tenantsFile = join(tenantsDir, 'tenants.json');
writeFileSync(
  tenantsFile,
  JSON.stringify({ tenants: [{ id: 'bench', s3: { endpoint: rgwEndpoint(), accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey }, pool: { maxSockets: 64 }, apiKeys: [apiKey] }] }),
);

type Round = { start: number; round: number; mbps: number; cpuMsPerMiB: number; faultsPerMiB: number };
const FLAGS = process.env.BENCH_DOWNLOAD_FLAGS?.split(' ').filter(Boolean);
/** Per side: BENCH_START_ENV (undefined: the start script's) and the Node flags added to npm start's. */
const sides: Record<string, { startEnv?: string; flags: string[] }> = FLAGS
  ? { 'npm start': { flags: [] }, [`npm start ${FLAGS.join(' ')}`]: { flags: FLAGS } }
  : { 'start script environment': { flags: [] }, 'no malloc settings': { startEnv: '', flags: [] } };
const rounds: Record<string, Round[]> = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
for (let start = 0; start < STARTS; start++) {
  for (const [side, { startEnv, flags }] of Object.entries(sides)) {
    if (startEnv === undefined) delete process.env.BENCH_START_ENV;
    else process.env.BENCH_START_ENV = startEnv;
    const gw = await startGateway({ dataDir: mkdtempSync(join(os.tmpdir(), 's3gate-bench-dl-')), env: { S3GATE_TENANTS_FILE: tenantsFile }, nodeArgs: [...startFlags(), ...flags] });
    const pid = gw.child.pid!;
    for (let n = 0; n < ROUNDS; n++) {
      const [cpu0, faults0] = [cpuMsOf(pid), minorFaultsOf(pid)];
      const ms = await timed(async () => {
        const res = await fetch(`${gw.base}/v1/buckets/${bucket}/objects/large`, { headers: { authorization: `Bearer ${apiKey}` } });
        if ((await drain(res.body as unknown as AsyncIterable<Buffer>)) !== SIZE) throw new Error('short download');
      });
      const r = { start, round: n, mbps: mbps(SIZE, ms), cpuMsPerMiB: round((cpuMsOf(pid) - cpu0) / (SIZE / MiB), 2), faultsPerMiB: round((minorFaultsOf(pid) - faults0) / (SIZE / MiB), 1) };
      rounds[side].push(r);
      process.stderr.write(`${side.padEnd(26)} start ${start} round ${n}: ${r.mbps} MB/s, ${r.cpuMsPerMiB} ms CPU/MiB, ${r.faultsPerMiB} faults/MiB\n`);
    }
    await gw.stop();
  }
}
delete process.env.BENCH_START_ENV;

await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'large' }));
await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
rmSync(tenantsDir, { recursive: true, force: true });

// After the first round of a start (warm-up: the heap and the JIT grow), what a download costs.
const warm = (side: string, key: keyof Round) => summary(rounds[side].filter((r) => r.round > 0).map((r) => r[key]));
const report = {
  date: new Date().toISOString(),
  machine: { cpuModel: os.cpus()[0]?.model, cpus: os.cpus().length, node: process.version },
  sizes: { SIZE, STARTS, ROUNDS },
  summary: Object.fromEntries(Object.keys(sides).map((side) => [side, { mbps: warm(side, 'mbps'), cpuMsPerMiB: warm(side, 'cpuMsPerMiB'), faultsPerMiB: warm(side, 'faultsPerMiB') }])),
  rounds,
};
for (const [side, s] of Object.entries(report.summary))
  console.log(
    `${side.padEnd(26)} after round 1: ${s.mbps.median} [${s.mbps.min}–${s.mbps.max}] MB/s, ${s.cpuMsPerMiB.median} [${s.cpuMsPerMiB.min}–${s.cpuMsPerMiB.max}] ms CPU/MiB, ${s.faultsPerMiB.median} [${s.faultsPerMiB.min}–${s.faultsPerMiB.max}] faults/MiB`,
  );
mkdirSync(join(root, 'bench/results'), { recursive: true });
const file = join(root, 'bench/results', `download-${report.date.slice(0, 19).replace(/:/g, '-')}.json`);
writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
console.log(`wrote ${file}`);
