// npm run bench:ab -- [--a REF] [--b REF] [--a-env K=V,K=V] [--b-env K=V,…] [--a-flags F] [--b-flags F] [--db sqlite|postgres|both]
//                      [--measure replay|writes|gets|puts|door-gets] [--rounds N] [--events N] [--rate N] [--skip-build]
// Webhook events of two builds or two settings, side by side in one run: for each side a gateway (on
// SQLite, on a fresh PostgreSQL database, or both), its own receiver process and subscription; rounds
// alternate A B A B …. `--measure replay` (the default): one burst records the events, then each round
// replays them (delivery alone, as in `npm run bench`). `--measure writes`: each round offers --events
// 1-byte PUTs at --rate per second, open loop (recording and delivery: the write -> receipt phase of
// `npm run bench`), and reports the writes/s achieved and the p99 delay from a PUT's answer to its receipt.
// `--measure gets` / `puts`: each round makes --events 1 KiB GETs (PUTs) over REST at c=32, as the small-
// object phase of `npm run bench` does, with no subscription; for GETs each round also measures a raw
// keep-alive client on presigned URLs straight to RGW (the reference of issue 33's c=32 aim).
// `--measure door-gets`: the same GETs through the S3 door with the AWS SDK (a key of the tenant's, keep-alive).
// REF is `.` (this tree's build, the default; --skip-build runs its dist as it is, for a build patched
// by hand), a git commit (built in a temporary worktree sharing this tree's node_modules), or a
// directory holding a build (dist/, package.json, node_modules). Reports each side's events/s, and CPU
// ms per event of the gateway, of the whole machine and of each command (postgres, bench-receiver, …):
// median [min–max]. Writes bench/results/ab-<time>.json with the CPU model, core count and every round.
// BENCH_GATEWAY_NODE_ARGS replaces the gateway's Node flags, as in `npm run bench` (for --cpu-prof); --a-flags and
// --b-flags add Node flags to one side's (space-separated, e.g. '--heap-growing-percent=10').
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent as HttpAgent } from 'node:http';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Pool } from 'undici';
import { tempPgDatabase } from '../test/helpers/pg.js';
import { directClient, rgwEndpoint, rgwUser } from '../test/helpers/rgw.js';
import { freePort } from '../test/helpers/stall.js';
import { startFlags, startGateway } from './gateway.js';
import { burst, eventReceiver, replayBurst, steadyWrites, subscribe, type EventReceiver } from './lib/events.js';
import { cpuMsOf, cpuSince, cpuSnapshot, load, machineBusyMs, round, summary } from './lib/measure.js';

const root = fileURLToPath(new URL('../', import.meta.url));

const { values: args } = parseArgs({
  options: {
    a: { type: 'string', default: '.' },
    b: { type: 'string', default: '.' },
    'a-env': { type: 'string', default: '' },
    'b-env': { type: 'string', default: '' },
    'a-flags': { type: 'string', default: '' },
    'b-flags': { type: 'string', default: '' },
    db: { type: 'string', default: 'both' },
    rounds: { type: 'string', default: '5' },
    measure: { type: 'string', default: 'replay' },
    events: { type: 'string' },
    rate: { type: 'string', default: '1000' },
    /** Runs this tree's dist as it is (a build patched by hand to profile or count something). */
    'skip-build': { type: 'boolean', default: false },
  },
});
const ROUNDS = Number(args.rounds);
const WRITES = args.measure === 'writes';
/** gets | puts | door-gets: 1 KiB requests at c=32, no events. */
const SMALL = args.measure === 'gets' || args.measure === 'puts' || args.measure === 'door-gets' ? args.measure : undefined;
const EVENTS = Number(args.events ?? (SMALL ? 4000 : WRITES ? 3000 : 10000));
const RATE = Number(args.rate);
const dbs = args.db === 'both' ? ['sqlite', 'postgres'] : [args.db!];
if (!dbs.every((d) => d === 'sqlite' || d === 'postgres') || !['replay', 'writes', 'gets', 'puts', 'door-gets'].includes(args.measure!) || !(ROUNDS >= 1) || !(EVENTS >= 1) || !(RATE >= 1)) {
  console.error(
    'usage: npm run bench:ab -- [--a REF] [--b REF] [--a-env K=V,…] [--b-env K=V,…] [--a-flags F] [--b-flags F] [--db sqlite|postgres|both] [--measure replay|writes|gets|puts|door-gets] [--rounds N] [--events N] [--rate N]',
  );
  process.exit(2);
}
const envOf = (s: string): Record<string, string> =>
  Object.fromEntries(
    s
      .split(',')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );

const cleanups: (() => unknown)[] = [];
/** Teardowns run when the run ends, last first. */
const run = { teardown: (fn: () => unknown) => void cleanups.push(fn) };

/** A built tree of `ref`: this one for `.`, else a detached worktree of the commit with this tree's node_modules. */
function treeOf(ref: string): { tree: string; commit: string } {
  const git = (...a: string[]) => execFileSync('git', a, { cwd: root, encoding: 'utf8' }).trim();
  if (ref === '.') return { tree: root, commit: git('rev-parse', '--short', 'HEAD') + (git('status', '--porcelain') ? '+changes' : '') };
  // A directory with a build of its own (dist/, package.json, node_modules): an experiment, run as it is.
  if (existsSync(join(ref, 'dist/src/server.js'))) return { tree: ref, commit: `tree ${ref}` };
  const commit = git('rev-parse', '--short', ref);
  const tree = mkdtempSync(join(os.tmpdir(), `s3gate-ab-${commit}-`));
  rmSync(tree, { recursive: true });
  git('worktree', 'add', '--detach', tree, commit);
  cleanups.push(() => void git('worktree', 'remove', '--force', tree));
  symlinkSync(join(root, 'node_modules'), join(tree, 'node_modules'));
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: tree, stdio: ['ignore', 'ignore', 'inherit'] });
  return { tree, commit };
}

const ONE_KIB = Buffer.alloc(1024, 'x');

/** One 1 KiB GET (of 100 shared objects) or PUT (under the side's prefix) over REST, or a GET through the door. */
async function smallRequest(s: Side, auth: Record<string, string>, bucket: string, i: number): Promise<void> {
  if (s.door) return void (await (await s.door.send(new GetObjectCommand({ Bucket: bucket, Key: `small/${i % 100}` }))).Body!.transformToByteArray());
  const { http, prefix } = s;
  const get = SMALL === 'gets';
  const key = get ? `small/${i % 100}` : `${prefix}put/${i % 200}`;
  const res = await http.request({
    method: get ? 'GET' : 'PUT',
    path: `/v1/buckets/${bucket}/objects/${key}`,
    headers: get ? auth : { ...auth, 'content-type': 'application/octet-stream' },
    ...(!get && { body: ONE_KIB }),
  });
  await res.body.dump();
  if (res.statusCode !== (get ? 200 : 201)) throw new Error(`${get ? 'GET' : 'PUT'} ${res.statusCode}`);
}

/** The AWS SDK with its defaults on a gateway's S3 door, signing with a new S3 key of the tenant. */
async function doorClient(http: Pool, auth: Record<string, string>, s3Base: string): Promise<S3Client> {
  const res = await http.request({ method: 'POST', path: '/v1/s3-keys', headers: auth });
  if (res.statusCode !== 201) throw new Error(`POST /v1/s3-keys ${res.statusCode} ${await res.body.text()}`);
  const credentials = (await res.body.json()) as { accessKeyId: string; secretAccessKey: string };
  return new S3Client({
    endpoint: s3Base,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials,
    requestHandler: new NodeHttpHandler({ httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }) }),
  });
}

interface Reference {
  name: string;
  /** One round: req/s, and CPU ms per request of the process that serves it (none for the raw client). */
  round: () => Promise<{ rps: number; cpu?: number }>;
  rps: number[];
  cpu: number[];
}

/**
 * The references of a GET round: a raw keep-alive client on presigned URLs straight to RGW (issue 33's
 * c=32 aim), and the CPU floor of any Node proxy (bench/lib/proxy-floor.mjs: a bare node:http server
 * forwarding to the same presigned URLs) with an undici and a node:http upstream.
 */
async function references(s3: S3Client, bucket: string): Promise<Reference[]> {
  const urls = await Promise.all(Array.from({ length: 100 }, (_, i) => getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: `small/${i}` }), { expiresIn: 3600 })));
  const dir = mkdtempSync(join(os.tmpdir(), 's3gate-ab-urls-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'urls'), urls.join('\n'));
  const gets = (origin: string, path: (i: number) => string, pid?: number) => {
    const pool = new Pool(origin, { connections: 32, pipelining: 1 });
    cleanups.push(() => pool.close());
    return async () => {
      const before = pid && cpuMsOf(pid);
      const l = await load(EVENTS, 32, async (i) => {
        const res = await pool.request({ method: 'GET', path: path(i) });
        await res.body.dump();
        if (res.statusCode !== 200) throw new Error(`GET ${res.statusCode}`);
      });
      return { rps: l.rps, ...(pid && { cpu: round((cpuMsOf(pid) - before!) / EVENTS, 3) }) };
    };
  };
  const parsed = urls.map((u) => new URL(u));
  const refs: Reference[] = [{ name: 'raw presigned client', round: gets(parsed[0].origin, (i) => parsed[i % 100].pathname + parsed[i % 100].search), rps: [], cpu: [] }];
  for (const client of ['undici', 'http']) {
    const port = await freePort();
    const child = spawn(process.execPath, [...startFlags(), join(root, 'bench/lib/proxy-floor.mjs'), String(port), join(dir, 'urls'), client], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(() => child.kill());
    await new Promise((r) => child.stdout!.once('data', r));
    refs.push({ name: `bare proxy, ${client} upstream`, round: gets(`http://127.0.0.1:${port}`, (i) => `/${i}`, child.pid), rps: [], cpu: [] });
  }
  return refs;
}

interface Side {
  name: string;
  db: string;
  pid: number;
  http: Pool;
  /** --measure door-gets: the AWS SDK on the side's S3 door. */
  door?: S3Client;
  /** Not for gets / puts. */
  receiver?: EventReceiver;
  hook: string;
  since: string;
  until: string;
  prefix: string;
  rate: number[];
  /** --measure writes: the p99 delay from a PUT's answer to its receipt, ms. */
  p99: number[];
  cpu: number[];
  /** The whole machine (every process, both cores): CPU ms per event; and by command name (postgres, node…). */
  machineCpu: number[];
  byCommand: Record<string, number>[];
}

async function main() {
  if (!args['skip-build']) execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const flagsOf = (s: string) => s.split(' ').filter(Boolean);
  const builds = {
    A: { ...treeOf(args.a!), env: envOf(args['a-env']!), flags: flagsOf(args['a-flags']!) },
    B: { ...treeOf(args.b!), env: envOf(args['b-env']!), flags: flagsOf(args['b-flags']!) },
  };
  const endpoint = rgwEndpoint();
  const user = rgwUser('ab');
  const bucket = `ab-${randomBytes(4).toString('hex')}`;
  const s3 = directClient(user);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  if (SMALL) for (let i = 0; i < 100; i++) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `small/${i}`, Body: ONE_KIB }));
  const refs = SMALL === 'gets' ? await references(s3, bucket) : [];
  const apiKey = 's3g_' + randomBytes(32).toString('base64url');
  const auth = { authorization: `Bearer ${apiKey}` };
  const tenantsDir = mkdtempSync(join(os.tmpdir(), 's3gate-ab-tenants-'));
  cleanups.push(() => rmSync(tenantsDir, { recursive: true, force: true }));
  const tenantsFile = join(tenantsDir, 'tenants.json');
  writeFileSync(
    tenantsFile,
    JSON.stringify({ tenants: [{ id: 'ab', s3: { endpoint, accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey }, pool: { maxSockets: 64 }, apiKeys: [apiKey] }] }),
  );

  // BENCH_GATEWAY_NODE_ARGS as in npm run bench (for example the start flags and --cpu-prof).
  const nodeArgs = process.env.BENCH_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean);
  const sides: Side[] = [];
  for (const db of dbs) {
    for (const [name, build] of Object.entries(builds)) {
      const env = { S3GATE_TENANTS_FILE: tenantsFile, ...(db === 'postgres' && { DATABASE_URL: await tempPgDatabase(run, 's3gate_ab_') }), ...build.env };
      const gw = await startGateway({ dataDir: mkdtempSync(join(os.tmpdir(), 's3gate-ab-')), env, tree: build.tree, nodeArgs: [...(nodeArgs ?? startFlags()), ...build.flags] });
      cleanups.push(gw.stop);
      // Writes as the full benchmark offers them: 32 connections, one request each at a time.
      const http = new Pool(gw.base, WRITES || SMALL ? { connections: 32, pipelining: 1 } : { connections: 4 });
      cleanups.push(() => http.close());
      const prefix = `${db}-${name}/`;
      let [receiver, hook] = [undefined as EventReceiver | undefined, ''];
      if (!SMALL) {
        receiver = await eventReceiver();
        cleanups.push(() => receiver!.close());
        hook = await subscribe(http, auth, receiver.url, prefix);
      }
      const since = new Date().toISOString();
      if (!WRITES && !SMALL) await burst(http, auth, bucket, receiver!, prefix, EVENTS);
      const door = SMALL === 'door-gets' ? await doorClient(http, auth, gw.s3Base) : undefined;
      if (door) cleanups.push(() => door.destroy());
      sides.push({ name, db, pid: gw.child.pid!, http, door, receiver, hook, since, until: new Date(Date.now() + 1).toISOString(), prefix, rate: [], p99: [], cpu: [], machineCpu: [], byCommand: [] });
      process.stderr.write(`ab: ${name} on ${db} ready (${build.commit} ${JSON.stringify(build.env)} ${build.flags.join(' ')})\n`);
    }
  }
  if (SMALL) for (const s of sides) await load(500, 32, (i) => smallRequest(s, auth, bucket, i));
  for (let r = 0; r < ROUNDS; r++) {
    for (const ref of refs) {
      const { rps, cpu } = await ref.round();
      ref.rps.push(rps);
      if (cpu !== undefined) ref.cpu.push(cpu);
      process.stderr.write(`ab: round ${r + 1} ${ref.name}: ${rps} GETs/s${cpu === undefined ? '' : `, CPU ms/request ${cpu}`}\n`);
    }
    for (const s of sides) {
      const before = { gateway: cpuMsOf(s.pid), commands: cpuSnapshot(), machine: machineBusyMs() };
      let eventsPerSecond: number;
      let events: number;
      if (SMALL) {
        const l = await load(EVENTS, 32, (i) => smallRequest(s, auth, bucket, i));
        [eventsPerSecond, events] = [l.rps, EVENTS];
      } else if (WRITES) {
        const w = await steadyWrites(s.http, auth, bucket, s.receiver!, `${s.prefix}${r}-`, RATE, EVENTS);
        if (w.failures > 0) throw new Error(`${w.failures} of the writes failed`);
        [eventsPerSecond, events] = [w.achievedPerSecond, w.writes];
        s.p99.push(w.delayP99ms);
      } else ({ eventsPerSecond, events } = await replayBurst(s.http, auth, s.hook, s.receiver!, s.since, s.until));
      s.rate.push(eventsPerSecond);
      s.cpu.push(round((cpuMsOf(s.pid) - before.gateway) / events, 3));
      s.machineCpu.push(round((machineBusyMs() - before.machine) / events, 3));
      const commands = [...cpuSince(before.commands)].map(([c, ms]) => [c, round(ms / events, 3)] as const).filter(([, ms]) => ms >= 0.005);
      s.byCommand.push(Object.fromEntries(commands.sort((a, b) => b[1] - a[1])));
      process.stderr.write(
        `ab: round ${r + 1} ${s.name} ${s.db}: ${eventsPerSecond} ${SMALL ? `${SMALL}/s` : WRITES ? `writes/s, p99 ${s.p99.at(-1)} ms` : 'events/s'}; CPU ms/${SMALL ? 'request' : 'event'}: gateway ${s.cpu.at(-1)}, machine ${s.machineCpu.at(-1)} (${commands.map(([c, ms]) => `${c} ${ms}`).join(', ')})\n`,
      );
    }
  }
  const cpu = os.cpus();
  const result = {
    at: new Date().toISOString(),
    cpu: { model: cpu[0]?.model, cores: cpu.length },
    node: process.version,
    measure: args.measure,
    events: EVENTS,
    ...(WRITES && { offeredPerSecond: RATE }),
    rounds: ROUNDS,
    references: refs.map((ref) => ({ name: ref.name, getsPerSecond: summary(ref.rps), ...(ref.cpu.length > 0 && { cpuMsPerRequest: summary(ref.cpu) }) })),
    sides: Object.fromEntries(Object.entries(builds).map(([n, b]) => [n, { ref: b.commit, env: b.env, flags: b.flags }])),
    results: sides.map((s) => ({
      side: s.name,
      db: s.db,
      eventsPerSecond: summary(s.rate),
      ...(WRITES && { delayP99ms: summary(s.p99) }),
      gatewayCpuMsPerEvent: summary(s.cpu),
      machineCpuMsPerEvent: summary(s.machineCpu),
      cpuMsPerEventByCommand: s.byCommand,
    })),
  };
  for (const r of result.results)
    console.log(
      `${r.side} ${r.db.padEnd(8)} ${r.eventsPerSecond.median} ${SMALL ?? (WRITES ? 'writes' : 'events')}/s [${r.eventsPerSecond.min}–${r.eventsPerSecond.max}],${r.delayP99ms ? ` p99 ${r.delayP99ms.median} ms [${r.delayP99ms.min}–${r.delayP99ms.max}],` : ''} ${r.gatewayCpuMsPerEvent.median} ms gateway CPU/${SMALL ? 'request' : 'event'} [${r.gatewayCpuMsPerEvent.min}–${r.gatewayCpuMsPerEvent.max}], machine ${r.machineCpuMsPerEvent.median}`,
    );
  for (const ref of result.references) {
    const r = ref.getsPerSecond;
    const vs = result.results.map((x) => `${x.side} ${x.db} ${round(x.eventsPerSecond.median / r.median)}×`).join(', ');
    console.log(
      `${ref.name}: ${r.median} GETs/s [${r.min}–${r.max}]${ref.cpuMsPerRequest ? `, ${ref.cpuMsPerRequest.median} ms CPU/request [${ref.cpuMsPerRequest.min}–${ref.cpuMsPerRequest.max}]` : ''}; ${vs}`,
    );
  }
  const dir = join(root, 'bench/results');
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
  const file = join(dir, `ab-${result.at.replace(/[:.]/g, '-').slice(0, 19)}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`written ${file}`);
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
  });
