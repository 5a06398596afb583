// What every phase of the benchmark measures with: load at a concurrency, sides in alternating rounds,
// medians with their range, and the gateway process's memory and CPU from /proc.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';

export const KiB = 1024;
export const MiB = 1024 * KiB;

export interface Load {
  requests: number;
  seconds: number;
  rps: number;
  p50ms: number;
  p99ms: number;
}

/** `total` calls of fn, `concurrency` at a time; throughput and latency quantiles. */
export async function load(total: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<Load> {
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        await fn(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return { requests: total, seconds: round(seconds), rps: Math.round(total / seconds), p50ms: quantile(latencies, 0.5), p99ms: quantile(latencies, 0.99) };
}

export function quantile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return round(s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN);
}

export const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** A measure's rounds: the median, its range, and every value in the order measured. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  values: number[];
}

export function summary(values: number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  return { median: round(s[Math.floor(s.length / 2)]), min: round(s[0]), max: round(s[s.length - 1]), values: values.map((v) => round(v)) };
}

/**
 * Runs the sides in alternating rounds (A B C, A B C, …), `rounds` times, and summarises each side's
 * figure. A side returns one number per round (req/s, MB/s, ms).
 */
export async function alternate<K extends string>(rounds: number, sides: Record<K, () => Promise<number>>): Promise<Record<K, Summary>> {
  const values = Object.fromEntries(Object.keys(sides).map((k) => [k, [] as number[]])) as unknown as Record<K, number[]>;
  for (let r = 0; r < rounds; r++) for (const k of Object.keys(sides) as K[]) values[k].push(await sides[k]());
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, summary(v as number[])])) as Record<K, Summary>;
}

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export const mbps = (bytes: number, ms: number) => round(bytes / MiB / (ms / 1000), 1);

/** `size` bytes in 1 MiB chunks, generated as they are read: nothing large is held in memory. */
export function bytes(size: number): Readable {
  const chunk = randomBytes(MiB);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) return this.push(null);
      const n = Math.min(MiB, size - sent);
      sent += n;
      this.push(n === MiB ? chunk : chunk.subarray(0, n));
    },
  });
}

export async function drain(body: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const c of body) n += (c as Buffer).length;
  return n;
}

export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** CPU time (user + system) the process has used, in ms, from /proc (10 ms resolution). */
export function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Minor page faults the process has taken (pages the kernel mapped in on first touch), from /proc. */
export function minorFaultsOf(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[7]);
}

/** CPU time (ms, all cores) the machine has spent busy (not idle, not waiting on I/O), from /proc/stat. */
export function machineBusyMs(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const busy = f.reduce((a, b) => a + b, 0) - f[3] - f[4];
  return busy * 10;
}

/** CPU time (ms) used so far by each process, with its command name, from /proc: a snapshot for cpuSince. */
export function cpuSnapshot(): Map<number, { command: string; ms: number }> {
  const snapshot = new Map<number, { command: string; ms: number }>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      // A kernel worker's name changes with the work it runs (kworker/1:2-mm_percpu_wq): one name for all.
      const command = readFileSync(`/proc/${pid}/comm`, 'utf8')
        .trim()
        .replace(/^(kworker)\/.*/, '$1');
      snapshot.set(Number(pid), { command, ms: cpuMsOf(Number(pid)) });
    } catch {
      // ended meanwhile
    }
  }
  return snapshot;
}

/** CPU time (ms) used since `before` by command name (node, postgres, bench-receiver, kworker…), per process. */
export function cpuSince(before: Map<number, { command: string; ms: number }>): Map<string, number> {
  const by = new Map<string, number>();
  for (const [pid, { command, ms }] of cpuSnapshot()) by.set(command, (by.get(command) ?? 0) + ms - (before.get(pid)?.ms ?? 0));
  return by;
}

/**
 * The process's RSS sampled every 20 ms from start() on: the peak over everything measured, and the
 * peak of each phase named with phase().
 */
export class RssSampler {
  readonly #pid: number;
  readonly #timer: NodeJS.Timeout;
  #phase = 'start';
  peak = 0;
  readonly phases: Record<string, number> = {};

  constructor(pid: number) {
    this.#pid = pid;
    this.#timer = setInterval(() => this.sample(), 20);
    this.#timer.unref();
    this.sample();
  }

  sample(): number {
    let rss = 0;
    try {
      rss = Math.round(rssOf(this.#pid) / MiB);
    } catch {
      return 0; // the process has ended
    }
    this.peak = Math.max(this.peak, rss);
    this.phases[this.#phase] = Math.max(this.phases[this.#phase] ?? 0, rss);
    return rss;
  }

  phase(name: string): void {
    this.sample();
    this.#phase = name;
    this.sample();
  }

  stop(): void {
    this.sample();
    clearInterval(this.#timer);
  }
}

/**
 * The process's resident memory by kind of mapping, in MiB, from /proc/<pid>/smaps: `brk` (glibc's main
 * malloc arena), `anon` (anonymous mappings: V8's heap pages, other malloc arenas, thread stacks), `file`
 * (code and mapped files).
 */
export function rssByMapping(pid: number): { brk: number; anon: number; file: number } {
  const out = { brk: 0, anon: 0, file: 0 };
  let kind: keyof typeof out = 'anon';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const name = head[1];
      kind = name === '[heap]' ? 'brk' : name === '' || name.startsWith('[') ? 'anon' : 'file';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[kind] += Number(rss[1]);
  }
  return { brk: Math.round(out.brk / 1024), anon: Math.round(out.anon / 1024), file: Math.round(out.file / 1024) };
}
