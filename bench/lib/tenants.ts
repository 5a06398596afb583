// Many tenants: a gateway of its own with `count` tenants (default pool settings), each making one
// request; its memory before and after, and the first-request latency of the first and last tenants.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { summarizeHeap, type HeapSummary } from './heap.js';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { Pool } from 'undici';
import { startFlags, startGateway } from '../gateway.js';
import { load, MiB, quantile, round, RssSampler, rssByMapping, rssOf } from './measure.js';

export interface TenantsFigures {
  tenants: number;
  /** Tenants that made a request. */
  live: number;
  /** S3GATE_POOL_MAX_TENANTS: the LRU's bound on live clients (the default unless the caller set it). */
  maxLiveTenants: number;
  liveTenantsAfter: number;
  /** startPeak: while the gateway started (reading and applying the tenants file); afterScrape: once /metrics was read (its text names every tenant that made a request); peak: from ready to the end. */
  rssMiB: { startPeak: number; idle: number; after: number; afterScrape: number; peak: number };
  /** The size of one /metrics answer after the requests. */
  metricsKiB: number;
  /** V8's heap in use and memory held outside it (buffers), from the gateway's /metrics, before and after. */
  heapUsedMiB: { idle: number; after: number };
  externalMiB: { idle: number; after: number };
  /** V8's heap as reserved from the system (used, garbage and free pages). */
  heapTotalMiB: { idle: number; after: number };
  rssByMappingMiB: { idle: ReturnType<typeof rssByMapping>; after: ReturnType<typeof rssByMapping> };
  /** Garbage collections while the requests ran (a scavenge per filled semi-space), and their time. */
  gcDuringRequests: Record<string, { count: number; seconds: number }>;
  /** (after − idle) / tenants, in KiB. */
  kibPerTenant: number;
  /** Each tenant's first request, one at a time: the first `sample` tenants and the last `sample`. */
  firstRequestMs: { tenant1: number; tenantN: number; firstSampleP50: number; lastSampleP50: number; sample: number };
  /** The requests in between, `concurrency` at a time, each a tenant's first. */
  middle: { requests: number; rps: number; p50ms: number; p99ms: number };
  failures: number;
  /** The heap after the requests, by constructor (with --snapshot). */
  heap?: { idle: HeapSummary; after: HeapSummary };
}

/**
 * Starts a gateway whose tenants file holds `count` tenants on the same RGW user (each its own tenant,
 * client and pool), then makes each tenant's first request: GET of a 1 KiB object. The first and last
 * `sample` tenants go one at a time (their latency is the first request's own); the rest `concurrency`
 * at a time.
 */
export async function manyTenants(opts: {
  count: number;
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  key: string;
  env?: Record<string, string>;
  nodeArgs?: string[];
  sample?: number;
  concurrency?: number;
  /** Tenants that make their request (the first `live` of `count`; all by default). */
  live?: number;
  /** Take heap snapshots before and after the requests (`<path>-idle.heapsnapshot`, `<path>.heapsnapshot`), summed by constructor in the figures. */
  heapSnapshot?: string;
}): Promise<TenantsFigures> {
  const sample = opts.sample ?? 20;
  const live = opts.live ?? opts.count;
  const concurrency = opts.concurrency ?? 32;
  const dataDir = mkdtempSync(join(os.tmpdir(), 's3gate-bench-tenants-'));
  const keys = Array.from({ length: opts.count }, () => 's3g_' + randomBytes(32).toString('base64url'));
  const s3 = { endpoint: opts.endpoint, accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey };
  writeFileSync(join(dataDir, 'tenants.json'), JSON.stringify({ tenants: keys.map((k, i) => ({ id: `t${i + 1}`, s3, apiKeys: [k] })) }));
  const metricsToken = 'bench-metrics-' + randomBytes(8).toString('hex');
  let startRss: RssSampler | undefined;
  const gw = await startGateway({
    dataDir,
    env: { S3GATE_TENANTS_FILE: join(dataDir, 'tenants.json'), S3GATE_METRICS_TOKEN: metricsToken, ...opts.env },
    nodeArgs: opts.heapSnapshot ? [...(opts.nodeArgs ?? startFlags()), '--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dirname(opts.heapSnapshot)}`] : opts.nodeArgs,
    startTimeoutMs: 600_000,
    onSpawn: (child) => {
      startRss = new RssSampler(child.pid!);
    },
  });
  startRss?.stop();
  const pid = gw.child.pid!;
  const http = new Pool(gw.base, { connections: concurrency });
  const rss = new RssSampler(pid);
  const scrape = async () => {
    const text = await (await fetch(`${gw.base}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
    return {
      text,
      heapUsedMiB: round(value('nodejs_heap_size_used_bytes') / MiB, 1),
      heapTotalMiB: round(value('nodejs_heap_size_total_bytes') / MiB, 1),
      externalMiB: round(value('nodejs_external_memory_bytes') / MiB, 1),
      gc: Object.fromEntries(['minor', 'major', 'incremental'].map((kind) => [kind, value(`nodejs_gc_duration_seconds_count\\{kind="${kind}"\\}`)])),
      gcSeconds: Object.fromEntries(['minor', 'major', 'incremental'].map((kind) => [kind, value(`nodejs_gc_duration_seconds_sum\\{kind="${kind}"\\}`)])),
    };
  };
  try {
    const idle = Math.round(rssOf(pid) / MiB);
    const idleHeap = await scrape();
    const idleMappings = rssByMapping(pid);
    const heapIdle = opts.heapSnapshot ? await snapshot(gw.child, gw.base, `${opts.heapSnapshot}-idle`) : undefined;
    let failures = 0;
    const first = async (i: number) => {
      const res = await http.request({ method: 'GET', path: `/v1/buckets/${opts.bucket}/objects/${opts.key}`, headers: { authorization: `Bearer ${keys[i]}` } });
      await res.body.dump();
      if (res.statusCode !== 200) failures++;
    };
    const serial = async (from: number, to: number) => {
      const ms: number[] = [];
      for (let i = from; i < to; i++) {
        const t0 = performance.now();
        await first(i);
        ms.push(performance.now() - t0);
      }
      return ms;
    };
    const head = await serial(0, sample);
    const middle = await load(live - 2 * sample, concurrency, (i) => first(sample + i));
    const tail = await serial(live - sample, live);
    const after = Math.round(rssOf(pid) / MiB);
    const afterMappings = rssByMapping(pid);
    const heap = opts.heapSnapshot ? await snapshot(gw.child, gw.base, opts.heapSnapshot) : undefined;
    const afterHeap = await scrape();
    const liveClients = Number(/^s3gate_pool_live_tenants (\d+)/m.exec(afterHeap.text)?.[1] ?? NaN);
    rss.stop();
    return {
      tenants: opts.count,
      live,
      maxLiveTenants: Number(opts.env?.S3GATE_POOL_MAX_TENANTS ?? 1000),
      liveTenantsAfter: liveClients,
      rssMiB: { startPeak: startRss?.peak ?? 0, idle, after, afterScrape: Math.round(rssOf(pid) / MiB), peak: rss.peak },
      metricsKiB: Math.round(afterHeap.text.length / 1024),
      heapUsedMiB: { idle: idleHeap.heapUsedMiB, after: afterHeap.heapUsedMiB },
      heapTotalMiB: { idle: idleHeap.heapTotalMiB, after: afterHeap.heapTotalMiB },
      rssByMappingMiB: { idle: idleMappings, after: afterMappings },
      gcDuringRequests: Object.fromEntries(
        Object.keys(afterHeap.gc).map((kind) => [kind, { count: afterHeap.gc[kind] - idleHeap.gc[kind], seconds: round(afterHeap.gcSeconds[kind] - idleHeap.gcSeconds[kind], 3) }]),
      ),
      externalMiB: { idle: idleHeap.externalMiB, after: afterHeap.externalMiB },
      kibPerTenant: round(((after - idle) * 1024) / live, 1),
      firstRequestMs: { tenant1: round(head[0]), tenantN: round(tail[tail.length - 1]), firstSampleP50: quantile(head, 0.5), lastSampleP50: quantile(tail, 0.5), sample },
      middle: { requests: middle.requests, rps: middle.rps, p50ms: middle.p50ms, p99ms: middle.p99ms },
      failures,
      ...(heap && heapIdle && { heap: { idle: heapIdle, after: heap } }),
    };
  } finally {
    rss.stop();
    await http.close();
    await gw.stop();
  }
}

/** Asks the gateway for a heap snapshot (SIGUSR2), waits for the file, renames it `<path>.heapsnapshot` and sums it. */
async function snapshot(child: ChildProcess, base: string, path: string): Promise<HeapSummary> {
  const dir = dirname(path);
  const before = new Set(readdirSync(dir));
  child.kill('SIGUSR2');
  for (;;) {
    await new Promise((r) => setTimeout(r, 500));
    const made = readdirSync(dir).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    if (made) {
      // The snapshot is written on the gateway's main thread: it answers again once the file is complete.
      await fetch(`${base}/healthz`);
      renameSync(join(dir, made), `${path}.heapsnapshot`);
      const summary = summarizeHeap(`${path}.heapsnapshot`);
      return summary;
    }
  }
}
