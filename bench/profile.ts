// npm run bench:profile [-- --put] [-- --door] [-- --requests N] [-- --door --large MiB [up|down]]: where the gateway's
// CPU goes under 1 KiB GETs (or PUTs) at c=32 on an RGW tenant, over REST or (--door) through the S3 door with the AWS
// SDK; with --large, under three uploads (lib-storage's defaults) and downloads of an object of that size through the
// door, each followed by the same transfer direct, with every process's CPU per MiB (the gateway's also by thread, and
// user / system). The gateway runs as `npm start` runs it, with --cpu-prof; the profile's
// samples taken while the load ran are summed by module and by function, and the .cpuprofile is kept for
// Chrome's DevTools or speedscope (results/profile-<ts>.cpuprofile, not committed, with a -summary.json beside it).
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Agent as HttpAgent } from 'node:http';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import { Pool } from 'undici';
import { rgwSettings, rgwUser } from '../test/helpers/rgw.js';
import { startFlags, startGateway } from './gateway.js';
import { bytes, drain, mbps, MiB, timed } from './lib/measure.js';

const PUT = process.argv.includes('--put');
const DOOR = process.argv.includes('--door');
const at = process.argv.indexOf('--requests');
const REQUESTS = at > 0 ? Number(process.argv[at + 1]) : 20_000;
const CONCURRENCY = 32;
const large = process.argv.indexOf('--large');
const LARGE = large > 0 ? Number(process.argv[large + 1]) * MiB : 0;
/** --large N up|down: only uploads, or (after one upload) only downloads. */
const ONLY = large > 0 ? process.argv[large + 2] : undefined;

interface Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  samples: number[];
  timeDeltas: number[];
  endTime: number;
}

/** A script's URL as the module it belongs to: a package, a folder of src/, or a node: module. */
function moduleOf(url: string): string {
  if (!url) return '(native: syscalls, GC, the VM)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.includes('/dist/src/')) return `src/${url.split('/dist/src/')[1].split('/')[0]}`;
  return url.startsWith('node:') ? url : url.split('/').pop()!;
}

/** The samples of the last `windowMs` before the profile ended, summed by module and by function, in % of busy samples. */
export function summarise(profile: Profile, windowMs: number) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  let t = profile.endTime;
  const times: number[] = new Array(profile.samples.length);
  for (let i = profile.samples.length - 1; i >= 0; i--) {
    times[i] = t;
    t -= profile.timeDeltas[i];
  }
  const from = profile.endTime - windowMs * 1000;
  const byModule = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    if (times[i] < from) return;
    const frame = nodes.get(id)!;
    if (frame.functionName === '(idle)') return void idle++;
    busy++;
    const mod = moduleOf(frame.url);
    byModule.set(mod, (byModule.get(mod) ?? 0) + 1);
    const fn = `${frame.functionName || '(anonymous)'} [${mod}]`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + 1);
  });
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => [k, Math.round((1000 * v) / busy) / 10] as const);
  return { busySamples: busy, idlePercent: Math.round((1000 * idle) / (busy + idle)) / 10, byModule: top(byModule, 25), byFunction: top(byFunction, 40) };
}

/** A request through the S3 door with the AWS SDK (keep-alive, as the bench's door phase), on a key of the tenant. */
async function doorClient(http: Pool, admin: Record<string, string>, s3Base: string): Promise<S3Client> {
  const key = (await (await http.request({ method: 'POST', path: '/admin/tenants/profile/s3-keys', headers: { authorization: admin.authorization } })).body.json()) as {
    accessKeyId: string;
    secretAccessKey: string;
  };
  const client = new S3Client({
    endpoint: s3Base,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: key,
    requestHandler: new NodeHttpHandler({ httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }) }),
  });
  return client;
}

/** 1 KiB GETs or PUTs through the door. */
async function doorRequest(http: Pool, admin: Record<string, string>, s3Base: string, bucket: string): Promise<() => Promise<void>> {
  const client = await doorClient(http, admin, s3Base);
  return async () => {
    if (PUT) await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'k', Body: Buffer.alloc(1024, 2) }));
    else await (await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'k' }))).Body!.transformToByteArray();
  };
}

async function main() {
  const profDir = mkdtempSync(join(os.tmpdir(), 's3gate-profile-'));
  const gw = await startGateway({
    dataDir: mkdtempSync(join(os.tmpdir(), 's3gate-profile-data-')),
    env: { S3GATE_ADMIN_TOKEN: 'profile-admin', S3GATE_BOOTSTRAP_LOCAL_TENANT: 'false' },
    nodeArgs: [...startFlags(), '--cpu-prof', `--cpu-prof-dir=${profDir}`],
  });
  const http = new Pool(gw.base, { connections: CONCURRENCY });
  const admin = { authorization: 'Bearer profile-admin', 'content-type': 'application/json' };
  const user = rgwUser('profile');
  const created = (await (await http.request({ method: 'POST', path: '/admin/tenants', headers: admin, body: JSON.stringify({ id: 'profile', s3: rgwSettings(user) }) })).body.json()) as {
    apiKey: string;
  };
  const auth = { authorization: `Bearer ${created.apiKey}` };
  // Bucket names are global in RGW: one of a run before (another user's) must not be taken.
  const bucket = `profile-${Date.now().toString(36)}`;
  const object = `/v1/buckets/${bucket}/objects/k`;
  const made = await http.request({ method: 'PUT', path: `/v1/buckets/${bucket}`, headers: auth });
  await made.body.dump();
  if (made.statusCode !== 201) throw new Error(`creating the bucket answered ${made.statusCode}`);
  await (await http.request({ method: 'PUT', path: object, headers: { ...auth, 'content-type': 'text/plain' }, body: Buffer.alloc(1024, 1) })).body.dump();
  if (LARGE) return largeTransfers(http, admin, gw, bucket, profDir, rgwSettings(user));
  const one = DOOR
    ? await doorRequest(http, admin, gw.s3Base, bucket)
    : async () => {
        const res = PUT
          ? await http.request({ method: 'PUT', path: object, headers: { ...auth, 'content-type': 'text/plain' }, body: Buffer.alloc(1024, 2) })
          : await http.request({ method: 'GET', path: object, headers: auth });
        await res.body.dump();
        if (res.statusCode >= 300) throw new Error(`${PUT ? 'PUT' : 'GET'} answered ${res.statusCode}`);
      };
  let next = 0;
  const t0 = performance.now();
  const cpu0 = cpuMs(gw.child.pid!);
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < REQUESTS) await one();
    }),
  );
  const loadMs = performance.now() - t0;
  // With the profiler on: a figure to compare between profiles, not with the bench's.
  const cpuMsPerRequest = Math.round((1000 * (cpuMs(gw.child.pid!) - cpu0)) / REQUESTS) / 1000;
  await http.close();
  await writeProfile(
    gw,
    profDir,
    loadMs,
    {
      what: `${REQUESTS} 1 KiB ${PUT ? 'PUT' : 'GET'}s at c=${CONCURRENCY} on an RGW tenant${DOOR ? ', through the S3 door' : ''}`,
      perSecond: Math.round(REQUESTS / (loadMs / 1000)),
      cpuMsPerRequest,
    },
    `${DOOR ? '-door' : ''}${PUT ? '-put' : ''}`,
  );
}

/** The gateway's user and system CPU so far, in ms (/proc). */
function cpuMs(pid: number, which: 'user' | 'system' | 'both' = 'both'): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((which === 'system' ? 0 : Number(f[11])) + (which === 'user' ? 0 : Number(f[12]))) * 10;
}

/** A process's CPU ms so far by thread name (node's main thread, V8's workers, libuv's pool), from /proc. */
function threadsCpuMs(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
    const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
    out[`gateway thread ${name}`] = (out[`gateway thread ${name}`] ?? 0) + (Number(f[11]) + Number(f[12])) * 10;
  }
  return out;
}

/** The CPU ms of each process named, so far (/proc). */
function cpuOf(pids: { gateway?: number } & Record<string, number | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) if (pid) out[name] = cpuMs(pid);
  // The gateway's split: its own code (user) and the kernel's work for its sockets (system).
  if (pids.gateway) {
    [out['gateway user'], out['gateway system']] = [cpuMs(pids.gateway, 'user'), cpuMs(pids.gateway, 'system')];
    Object.assign(out, threadsCpuMs(pids.gateway));
  }
  return out;
}

const pidOf = (name: string) => {
  const found = readdirSync('/proc').find((d) => /^\d+$/.test(d) && readFileSync(`/proc/${d}/stat`, 'utf8').includes(`(${name})`));
  return found ? Number(found) : undefined;
};

/**
 * Three rounds of an upload of LARGE bytes (lib-storage's defaults) and its download, through the door and
 * directly on RGW with the same SDK client settings, alternating; MB/s and the CPU ms per MiB of each process.
 */
async function largeTransfers(http: Pool, admin: Record<string, string>, gw: Gateway, bucket: string, profDir: string, rgw: { endpoint: string; accessKeyId: string; secretAccessKey: string }) {
  const door = await doorClient(http, admin, gw.s3Base);
  const direct = new S3Client({
    endpoint: rgw.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: rgw,
    requestHandler: new NodeHttpHandler({ httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }) }),
  });
  const pids = { gateway: gw.child.pid, radosgw: pidOf('radosgw'), 'ceph-osd': pidOf('ceph-osd'), client: process.pid };
  const mib = LARGE / MiB;
  const measure = async (label: string, fn: () => Promise<unknown>) => {
    const before = cpuOf(pids);
    const rate = mbps(LARGE, await timed(fn));
    const after = cpuOf(pids);
    const cpu = Object.fromEntries(Object.keys(after).flatMap((k) => (after[k] > (before[k] ?? 0) ? [[k, Math.round((100 * (after[k] - (before[k] ?? 0))) / mib) / 100]] : [])));
    console.log(label, rate, 'MB/s; CPU ms per MiB', JSON.stringify(cpu));
    return { label, mbps: rate, cpuMsPerMiB: cpu };
  };
  const upload = (client: S3Client, key: string) => () => new Upload({ client, params: { Bucket: bucket, Key: key, Body: bytes(LARGE) } }).done();
  const download = (client: S3Client, key: string) => async () => {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if ((await drain(out.Body as Readable)) !== LARGE) throw new Error('short download');
  };
  const rounds = [];
  const t0 = performance.now();
  for (let i = 0; i < 3; i++) {
    if (i === 0 || ONLY !== 'down') rounds.push(await measure('door up', upload(door, 'large')), await measure('direct up', upload(direct, 'large-direct')));
    if (ONLY !== 'up') rounds.push(await measure('door down', download(door, 'large')), await measure('direct down', download(direct, 'large-direct')));
  }
  const loadMs = performance.now() - t0;
  door.destroy();
  direct.destroy();
  await http.close();
  await writeProfile(gw, profDir, loadMs, { what: `3 uploads and downloads of ${mib} MiB through the S3 door and directly, alternating`, rounds }, '-door-large');
}

type Gateway = Awaited<ReturnType<typeof startGateway>>;

/** Stops the gateway, sums its profile's samples of the load's window, and keeps both. */
async function writeProfile(gw: Gateway, profDir: string, loadMs: number, head: Record<string, unknown>, tag: string) {
  const stopAt = performance.now();
  await gw.stop();
  const stopMs = performance.now() - stopAt;
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'))!;
  const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as Profile;
  // The load's window: it ended when the stop began, which the profile's end follows by stopMs at most.
  const summary = { ...head, ...summarise(profile, loadMs + stopMs) };
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const out = new URL(`./results/profile-${stamp}${tag}`, import.meta.url).pathname;
  copyFileSync(join(profDir, file), `${out}.cpuprofile`);
  writeFileSync(`${out}-summary.json`, JSON.stringify(summary, null, 2) + '\n');
  console.log(`${String(head.what)}${head.perSecond ? `: ${String(head.perSecond)}/s, ${String(head.cpuMsPerRequest)} ms CPU each` : ''}; idle ${summary.idlePercent}% of the samples`);
  for (const [m, pct] of summary.byModule.slice(0, 15)) console.log(`${String(pct).padStart(5)}%  ${m}`);
  console.log('…');
  for (const [f, pct] of summary.byFunction.slice(0, 20)) console.log(`${String(pct).padStart(5)}%  ${f}`);
  console.log(`written to ${out}.cpuprofile and ${out}-summary.json`);
}

await main();
