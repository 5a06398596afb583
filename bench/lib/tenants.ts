// Many tenants: a gateway of its own with `count` tenants (default pool settings), each making one
// request; its memory before and after, and the first-request latency of the first and last tenants.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { startGateway } from '../gateway.js';
import { load, MiB, quantile, round, RssSampler, rssOf } from './measure.js';

export interface TenantsFigures {
  tenants: number;
  /** S3GATE_POOL_MAX_TENANTS: the LRU's bound on live clients (the default unless the caller set it). */
  maxLiveTenants: number;
  liveTenantsAfter: number;
  rssMiB: { idle: number; after: number; peak: number };
  /** (after − idle) / tenants, in KiB. */
  kibPerTenant: number;
  /** Each tenant's first request, one at a time: the first `sample` tenants and the last `sample`. */
  firstRequestMs: { tenant1: number; tenantN: number; firstSampleP50: number; lastSampleP50: number; sample: number };
  /** The requests in between, `concurrency` at a time, each a tenant's first. */
  middle: { requests: number; rps: number; p50ms: number; p99ms: number };
  failures: number;
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
}): Promise<TenantsFigures> {
  const sample = opts.sample ?? 20;
  const concurrency = opts.concurrency ?? 32;
  const dataDir = mkdtempSync(join(os.tmpdir(), 's3gate-bench-tenants-'));
  const keys = Array.from({ length: opts.count }, () => 's3g_' + randomBytes(32).toString('base64url'));
  const s3 = { endpoint: opts.endpoint, accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey };
  writeFileSync(join(dataDir, 'tenants.json'), JSON.stringify({ tenants: keys.map((k, i) => ({ id: `t${i + 1}`, s3, apiKeys: [k] })) }));
  const metricsToken = 'bench-metrics-' + randomBytes(8).toString('hex');
  const gw = await startGateway({
    dataDir,
    env: { S3GATE_TENANTS_FILE: join(dataDir, 'tenants.json'), S3GATE_METRICS_TOKEN: metricsToken, ...opts.env },
    nodeArgs: opts.nodeArgs,
    startTimeoutMs: 600_000,
  });
  const pid = gw.child.pid!;
  const http = new Pool(gw.base, { connections: concurrency });
  const rss = new RssSampler(pid);
  try {
    const idle = Math.round(rssOf(pid) / MiB);
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
    const middle = await load(opts.count - 2 * sample, concurrency, (i) => first(sample + i));
    const tail = await serial(opts.count - sample, opts.count);
    const after = Math.round(rssOf(pid) / MiB);
    const metrics = await (await fetch(`${gw.base}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })).text();
    const live = Number(/^s3gate_pool_live_tenants (\d+)/m.exec(metrics)?.[1] ?? NaN);
    rss.stop();
    return {
      tenants: opts.count,
      maxLiveTenants: Number(opts.env?.S3GATE_POOL_MAX_TENANTS ?? 1000),
      liveTenantsAfter: live,
      rssMiB: { idle, after, peak: rss.peak },
      kibPerTenant: round(((after - idle) * 1024) / opts.count, 1),
      firstRequestMs: { tenant1: round(head[0]), tenantN: round(tail[tail.length - 1]), firstSampleP50: quantile(head, 0.5), lastSampleP50: quantile(tail, 0.5), sample },
      middle: { requests: middle.requests, rps: middle.rps, p50ms: middle.p50ms, p99ms: middle.p99ms },
      failures,
    };
  } finally {
    rss.stop();
    await http.close();
    await gw.stop();
  }
}
