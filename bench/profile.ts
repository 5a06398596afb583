// npm run bench:profile [-- --put] [-- --door] [-- --requests N]: where the gateway's CPU goes under 1 KiB
// GETs (or PUTs) at c=32 on an RGW tenant, over REST or (--door) through the S3 door with the AWS SDK. The gateway runs as `npm start` runs it, with --cpu-prof; the profile's
// samples taken while the load ran are summed by module and by function, and the .cpuprofile is kept for
// Chrome's DevTools or speedscope (results/profile-<ts>.cpuprofile, not committed, with a -summary.json beside it).
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Agent as HttpAgent } from 'node:http';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Pool } from 'undici';
import { rgwSettings, rgwUser } from '../test/helpers/rgw.js';
import { startFlags, startGateway } from './gateway.js';

const PUT = process.argv.includes('--put');
const DOOR = process.argv.includes('--door');
const at = process.argv.indexOf('--requests');
const REQUESTS = at > 0 ? Number(process.argv[at + 1]) : 20_000;
const CONCURRENCY = 32;

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
async function doorRequest(http: Pool, admin: Record<string, string>, s3Base: string, bucket: string): Promise<() => Promise<void>> {
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
  const created = (await (
    await http.request({ method: 'POST', path: '/admin/tenants', headers: admin, body: JSON.stringify({ id: 'profile', s3: rgwSettings(rgwUser('profile')) }) })
  ).body.json()) as { apiKey: string };
  const auth = { authorization: `Bearer ${created.apiKey}` };
  // Bucket names are global in RGW: one of a run before (another user's) must not be taken.
  const bucket = `profile-${Date.now().toString(36)}`;
  const object = `/v1/buckets/${bucket}/objects/k`;
  const made = await http.request({ method: 'PUT', path: `/v1/buckets/${bucket}`, headers: auth });
  await made.body.dump();
  if (made.statusCode !== 201) throw new Error(`creating the bucket answered ${made.statusCode}`);
  await (await http.request({ method: 'PUT', path: object, headers: { ...auth, 'content-type': 'text/plain' }, body: Buffer.alloc(1024, 1) })).body.dump();
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
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < REQUESTS) await one();
    }),
  );
  const loadMs = performance.now() - t0;
  await http.close();
  const stopAt = performance.now();
  await gw.stop();
  const stopMs = performance.now() - stopAt;
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'))!;
  const profile = JSON.parse(readFileSync(join(profDir, file), 'utf8')) as Profile;
  // The load's window: it ended when the stop began, which the profile's end follows by stopMs at most.
  const summary = {
    what: `${REQUESTS} 1 KiB ${PUT ? 'PUT' : 'GET'}s at c=${CONCURRENCY} on an RGW tenant${DOOR ? ', through the S3 door' : ''}`,
    perSecond: Math.round(REQUESTS / (loadMs / 1000)),
    ...summarise(profile, loadMs + stopMs),
  };
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const out = new URL(`./results/profile-${stamp}${DOOR ? '-door' : ''}${PUT ? '-put' : ''}`, import.meta.url).pathname;
  copyFileSync(join(profDir, file), `${out}.cpuprofile`);
  writeFileSync(`${out}-summary.json`, JSON.stringify(summary, null, 2) + '\n');
  console.log(`${summary.what}: ${summary.perSecond}/s; idle ${summary.idlePercent}% of the samples`);
  for (const [m, pct] of summary.byModule.slice(0, 15)) console.log(`${String(pct).padStart(5)}%  ${m}`);
  console.log('…');
  for (const [f, pct] of summary.byFunction.slice(0, 20)) console.log(`${String(pct).padStart(5)}%  ${f}`);
  console.log(`written to ${out}.cpuprofile and ${out}-summary.json`);
}

await main();
