import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Pool } from 'undici';
import type { startGateway } from '../gateway.js';
import { cpuMsOf, load, MiB, round, type RssSampler, type Load, type Summary } from '../lib/measure.js';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const QUICK = process.argv.includes('--quick');
const env = (name: string, full: number, quick: number) => Number(process.env[name] ?? (QUICK ? quick : full));
export const RUNS = env('BENCH_RUNS', 3, 3);
export const LARGE = env('BENCH_LARGE_BYTES', 1024 * MiB, 32 * MiB);
export const SMALL_REQUESTS = env('BENCH_SMALL_REQUESTS', 4000, 300);
export const SERIAL_REQUESTS = env('BENCH_SERIAL_REQUESTS', 1000, 150);
export const LIST_REQUESTS = env('BENCH_LIST_REQUESTS', 300, 16);
export const DOOR_LARGE = env('BENCH_DOOR_LARGE_BYTES', 256 * MiB, 16 * MiB);
export const TUS_BYTES = env('BENCH_TUS_BYTES', 256 * MiB, 16 * MiB);
export const BURST_EVENTS = env('BENCH_BURST_EVENTS', 10_000, 1000);
export const STEADY_WRITES = env('BENCH_STEADY_WRITES', 3000, 200);
export const STEADY_RATE = env('BENCH_STEADY_RATE', 1000, 1000);
export const TENANTS = env('BENCH_TENANTS', 10_000, 500);
/** Issue 33's phase: this many tenants in the tenants file, LIVE_TENANTS of them making a request. */
export const MANY_TENANTS = env('BENCH_MANY_TENANTS', 100_000, 5000);
export const LIVE_TENANTS = env('BENCH_LIVE_TENANTS', 10_000, 500);
export const TRACING_REQUESTS = env('BENCH_TRACING_REQUESTS', 4000, 400);
export const CONCURRENCY = 32;

/** A measure: each side's rounds, which side is the baseline, and the ratio of the medians (gateway / baseline, oriented so > 1 is better for the gateway). */
export interface Measure {
  unit: string;
  better: 'higher' | 'lower';
  gateway: Summary;
  baseline: Summary;
  baselineName: string;
  ratio: number;
  extra?: Record<string, Summary>;
}
export const measures: Record<string, Measure> = {};
export function record(name: string, unit: string, better: 'higher' | 'lower', gateway: Summary, baseline: Summary, baselineName: string, extra?: Record<string, Summary>) {
  const ratio = better === 'higher' ? gateway.median / baseline.median : baseline.median / gateway.median;
  measures[name] = { unit, better, gateway, baseline, baselineName, ratio: round(ratio), ...(extra && { extra }) };
}

/** What every phase of the bench shares: the storage, the gateway under test, its client and the running figures. */
export interface Bench {
  s3: S3Client;
  bucket: string;
  endpoint: string;
  user: { accessKeyId: string; secretAccessKey: string };
  main: Awaited<ReturnType<typeof startGateway>>;
  pid: number;
  rss: RssSampler;
  http: Pool;
  auth: { authorization: string };
  /** The REST path of an object of the bench's bucket. */
  obj: (key: string) => string;
  /** Gateway CPU ms per request, by measure. */
  cpuPerRequest: Record<string, number>;
  /** CPU ms per direct PUT (no gateway): of the storage's processes, and of the whole machine. */
  directPutCpu: { storage: number; machine: number };
  small: Buffer;
  nodeArgs: string[] | undefined;
  gatewayEnv: Record<string, string>;
  adminToken: string;
  say: (line: string) => void;
  /** Requests before each side's first round. */
  WARM: number;
  /** Gateway side of a load measure, its CPU per request accumulated under `name`. */
  gatewaySide: (name: string, n: number, c: number, fn: (i: number) => Promise<void>, pick?: (l: Load) => number) => () => Promise<number>;
  rps: (n: number, c: number, fn: (i: number) => Promise<void>) => () => Promise<number>;
}

/** The side helpers of a load measure, over a bench's gateway process. */
export function sides(pid: number, cpuPerRequest: Record<string, number>): Pick<Bench, 'gatewaySide' | 'rps' | 'WARM'> {
  return {
    WARM: QUICK ? 150 : 500,
    gatewaySide:
      (name, n, c, fn, pick = (l) => l.rps) =>
      async () => {
        const before = cpuMsOf(pid);
        const l = await load(n, c, fn);
        cpuPerRequest[name] = (cpuPerRequest[name] ?? 0) + (cpuMsOf(pid) - before) / (n * RUNS);
        return pick(l);
      },
    rps: (n, c, fn) => async () => (await load(n, c, fn)).rps,
  };
}
