import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Pool } from 'undici';
import { freePort } from '../../test/helpers/stall.js';
import { startEnv, startFlags } from '../gateway.js';
import { alternate, cpuMsOf, cpuSince, cpuSnapshot, drain, load, RssSampler, machineBusyMs, type Summary } from '../lib/measure.js';

import { CONCURRENCY, RUNS, SMALL_REQUESTS, SERIAL_REQUESTS, LIST_REQUESTS, root, record, type Bench } from './bench.js';

/** 1 KiB GET and PUT at c=32, GET at c=1, listing over REST and GraphQL; the memory floor of the required packages alone */
export async function smallObjects(b: Bench) {
  const { s3, bucket, endpoint, user, rss, http, auth, obj, directPutCpu, small, nodeArgs, say, gatewaySide, rps, WARM } = b;
  say('small objects');
  rss.phase('smallObjects');
  const gatewayGet = async (i: number) => {
    const res = await http.request({ method: 'GET', path: obj(`small/${i % 100}`), headers: auth });
    if (res.statusCode !== 200) throw new Error(`GET ${res.statusCode}`);
    await drain(res.body);
  };
  const directGet = async (i: number) => void (await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `small/${i % 100}` }))).Body!.transformToByteArray());
  // The memory floor: a process of the required packages alone (bench/lib/floor-server.mjs) serving the
  // same object through the SDK, with the gateway's Node flags, as a third side of the GET rounds.
  const floorPort = await freePort();
  const floor = spawn(
    process.execPath,
    [...(nodeArgs ?? startFlags()), join(root, 'bench/lib/floor-server.mjs'), String(floorPort), endpoint, user.accessKeyId, user.secretAccessKey, bucket, 'small/0'],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...startEnv() } },
  );
  await new Promise((r) => floor.stdout!.once('data', r));
  const floorRss = new RssSampler(floor.pid!);
  const floorIdle = floorRss.sample();
  const floorHttp = new Pool(`http://127.0.0.1:${floorPort}`, { connections: CONCURRENCY, pipelining: 1 });
  const floorGet = async () => {
    const res = await floorHttp.request({ method: 'GET', path: '/object' });
    if (res.statusCode !== 200) throw new Error(`floor GET ${res.statusCode}`);
    await drain(res.body);
  };
  // The least any client can do: keep-alive connections to RGW and presigned URLs (no signing per request).
  const presigned = await Promise.all(Array.from({ length: 100 }, async (_, i) => new URL(await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: `small/${i}` }), { expiresIn: 3600 }))));
  const rawHttp = new Pool(new URL(endpoint).origin, { connections: CONCURRENCY, pipelining: 1 });
  const rawGet = async (i: number) => {
    const u = presigned[i % 100];
    const res = await rawHttp.request({ method: 'GET', path: u.pathname + u.search });
    if (res.statusCode !== 200) throw new Error(`presigned GET ${res.statusCode}`);
    await drain(res.body);
  };
  // The CPU floor of any Node proxy: a bare node:http server forwarding to the same presigned URLs
  // (bench/lib/proxy-floor.mjs: no framework, signing, auth or logging), its CPU per GET measured as the gateway's.
  const proxy = await bareProxy(presigned.map(String), nodeArgs);
  const proxyGet = async (i: number) => {
    const res = await proxy.http.request({ method: 'GET', path: `/${i % 100}` });
    if (res.statusCode !== 200) throw new Error(`bare proxy GET ${res.statusCode}`);
    await drain(res.body);
  };
  await load(WARM, CONCURRENCY, gatewayGet);
  await load(WARM, CONCURRENCY, directGet);
  await load(WARM, CONCURRENCY, floorGet);
  await load(WARM, CONCURRENCY, rawGet);
  await load(WARM, CONCURRENCY, proxyGet);
  let proxyCpuMs = 0;
  let r: Record<string, Summary> = await alternate(RUNS, {
    gateway: gatewaySide('GET 1 KiB, c=32', SMALL_REQUESTS, CONCURRENCY, gatewayGet),
    direct: rps(SMALL_REQUESTS, CONCURRENCY, directGet),
    floor: rps(SMALL_REQUESTS, CONCURRENCY, floorGet),
    raw: rps(SMALL_REQUESTS, CONCURRENCY, rawGet),
    proxy: async () => {
      const before = cpuMsOf(proxy.pid);
      const l = await load(SMALL_REQUESTS, CONCURRENCY, proxyGet);
      proxyCpuMs += (cpuMsOf(proxy.pid) - before) / (SMALL_REQUESTS * RUNS);
      return l.rps;
    },
  });
  await rawHttp.close();
  await proxy.close();
  record('GET 1 KiB, c=32', 'req/s', 'higher', r.gateway, r.direct, 'direct (AWS SDK)', {
    'required packages alone': r.floor,
    'raw keep-alive client, presigned URLs': r.raw,
    'bare Node proxy, presigned URLs': r.proxy,
  });
  b.cpuPerRequest['bare Node proxy: GET 1 KiB, c=32'] = proxyCpuMs;
  const gatewayAfterGets = rss.sample();
  floorRss.stop();
  await floorHttp.close();
  floor.kill();
  const memoryFloor = { idleMiB: floorIdle, peakMiB: floorRss.peak, gatewayIdleMiB: rss.phases.idle, gatewayAfterGetsMiB: gatewayAfterGets };

  rss.phase('smallObjects.put');
  r = await alternate(RUNS, {
    gateway: gatewaySide('PUT 1 KiB, c=32', SMALL_REQUESTS, CONCURRENCY, async (i) => {
      const res = await http.request({ method: 'PUT', path: obj(`put/g${i % 200}`), headers: { ...auth, 'content-type': 'application/octet-stream' }, body: small });
      if (res.statusCode !== 201) throw new Error(`PUT ${res.statusCode}`);
      await drain(res.body);
    }),
    direct: async () => {
      // What the storage itself (radosgw, ceph-osd, ceph-mon) and the whole machine spend per PUT with
      // no gateway in the way: the write rate two cores can take at all (the write → receipt aim).
      const before = { machine: machineBusyMs(), byCommand: cpuSnapshot() };
      const l = await load(SMALL_REQUESTS, CONCURRENCY, async (i) => void (await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `put/d${i % 200}`, Body: small }))));
      directPutCpu.machine += (machineBusyMs() - before.machine) / (SMALL_REQUESTS * RUNS);
      for (const [c, ms] of cpuSince(before.byCommand)) if (/^(radosgw|ceph)/.test(c)) directPutCpu.storage += ms / (SMALL_REQUESTS * RUNS);
      return l.rps;
    },
  });
  record('PUT 1 KiB, c=32', 'req/s', 'higher', r.gateway, r.direct, 'direct (AWS SDK)');

  // One request at a time: the latency a request pays through the gateway (p50 of each round).
  rss.phase('smallObjects.serial');
  r = await alternate(RUNS, { gateway: gatewaySide('GET 1 KiB, c=1', SERIAL_REQUESTS, 1, gatewayGet, (l) => l.p50ms), direct: async () => (await load(SERIAL_REQUESTS, 1, directGet)).p50ms });
  record('GET 1 KiB, c=1, p50', 'ms', 'lower', r.gateway, r.direct, 'direct (AWS SDK)');

  const restList = async () => {
    const res = await http.request({ method: 'GET', path: `/v1/buckets/${bucket}/objects?prefix=list/&limit=1000`, headers: auth });
    if (res.statusCode !== 200) throw new Error(`LIST ${res.statusCode}`);
    await res.body.json();
  };
  rss.phase('smallObjects.list');
  r = await alternate(RUNS, {
    gateway: gatewaySide('LIST 1000 keys, c=8', LIST_REQUESTS, 8, restList),
    direct: rps(LIST_REQUESTS, 8, async () => void (await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'list/', MaxKeys: 1000 })))),
  });
  record('LIST 1000 keys, c=8', 'req/s', 'higher', r.gateway, r.direct, 'direct (AWS SDK)');
  // The same page through GraphQL, with the same fields as the REST listing; its baseline is REST.
  const listQuery = JSON.stringify({
    query: 'query($b: String!) { bucket(name: $b) { objects(prefix: "list/", first: 1000) { edges { node { key size etag lastModified } } pageInfo { hasNextPage endCursor } } } }',
    variables: { b: bucket },
  });
  rss.phase('smallObjects.graphqlList');
  r = await alternate(RUNS, {
    graphql: gatewaySide('GraphQL LIST 1000, c=8', LIST_REQUESTS, 8, async () => {
      const res = await http.request({ method: 'POST', path: '/graphql', headers: { ...auth, 'content-type': 'application/json' }, body: listQuery });
      const body = (await res.body.json()) as { data?: { bucket: { objects: { edges: unknown[] } } } };
      if (res.statusCode !== 200 || body.data?.bucket.objects.edges.length !== 1000) throw new Error(`GraphQL LIST ${res.statusCode} ${JSON.stringify(body).slice(0, 200)}`);
    }),
    rest: rps(LIST_REQUESTS, 8, restList),
  });
  record('GraphQL LIST 1000, c=8', 'req/s', 'higher', r.graphql, r.rest, 'REST LIST');

  return { memoryFloor };
}

/** bench/lib/proxy-floor.mjs with a node:http upstream, over the given presigned URLs, and a pool of 32 to it. */
async function bareProxy(urls: string[], nodeArgs: string[] | undefined) {
  const dir = mkdtempSync(join(os.tmpdir(), 's3gate-bench-urls-'));
  writeFileSync(join(dir, 'urls'), urls.join('\n'));
  const port = await freePort();
  const child = spawn(process.execPath, [...(nodeArgs ?? startFlags()), join(root, 'bench/lib/proxy-floor.mjs'), String(port), join(dir, 'urls'), 'http'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...startEnv() },
  });
  await new Promise((r) => child.stdout!.once('data', r));
  const http = new Pool(`http://127.0.0.1:${port}`, { connections: CONCURRENCY, pipelining: 1 });
  return {
    pid: child.pid!,
    http,
    close: async () => {
      await http.close();
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
