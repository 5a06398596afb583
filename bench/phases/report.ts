// The bench's table, its aims and its JSON record.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { startEnv, startFlags } from '../gateway.js';
import { MiB, round, type Summary } from '../lib/measure.js';
import type { manyTenants } from '../lib/tenants.js';

import {
  QUICK,
  RUNS,
  LARGE,
  SMALL_REQUESTS,
  SERIAL_REQUESTS,
  LIST_REQUESTS,
  DOOR_LARGE,
  TUS_BYTES,
  BURST_EVENTS,
  STEADY_WRITES,
  STEADY_RATE,
  TENANTS,
  MANY_TENANTS,
  LIVE_TENANTS,
  TRACING_REQUESTS,
  root,
  measures,
  type Bench,
} from './bench.js';
function gitCommit(): string {
  try {
    return (
      execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim() +
      (execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' }).trim() ? '+changes' : '')
    );
  } catch {
    return 'unknown';
  }
}

/** What the phases found, beside the bench's context. */
export interface Findings {
  started: number;
  peakRss: number;
  memoryFloor: Awaited<ReturnType<typeof import('./small.js').smallObjects>>['memoryFloor'];
  events: Awaited<ReturnType<typeof import('./events.js').eventPhase>>['events'];
  deliveryFloor: Awaited<ReturnType<typeof import('./events.js').eventPhase>>['deliveryFloor'];
  tracingCpu: { on: number; off: number };
  tenants: Awaited<ReturnType<typeof manyTenants>>;
  /** MANY_TENANTS tenants, LIVE_TENANTS of them making a request (issue 33). */
  liveTenants: Awaited<ReturnType<typeof manyTenants>>;
}

/** Prints the table and the aims, and writes the run's JSON under bench/results/. */
export function report(b: Pick<Bench, 'rss' | 'cpuPerRequest' | 'directPutCpu' | 'nodeArgs'>, f: Findings): void {
  const { rss, cpuPerRequest, directPutCpu, nodeArgs } = b;
  const { started, peakRss, memoryFloor, events, deliveryFloor, tracingCpu, tenants, liveTenants } = f;
  const label = `${LARGE / MiB} MiB`;
  const fmt = (s: Summary) => `${s.median} [${s.min}–${s.max}]`;
  const rows = Object.entries(measures).map(
    ([name, m]) =>
      `${name.padEnd(40)} ${`${fmt(m.gateway)} ${m.unit}`.padEnd(30)} ${`${fmt(m.baseline)} ${m.unit}`.padEnd(30)} ${String(m.ratio).padEnd(6)} ${m.baselineName}${
        m.extra
          ? `; ${Object.entries(m.extra)
              .map(([k, v]) => `${k} ${fmt(v)}`)
              .join(', ')}`
          : ''
      }`,
  );
  const download = measures[`download ${label}`];
  const c1 = measures['GET 1 KiB, c=1, p50'];
  const aims = [
    {
      aim: 'peak RSS over the whole bench ≤ 120 MB',
      value: `${peakRss} MiB (the required packages alone: ${memoryFloor.idleMiB} MiB idle, ${memoryFloor.peakMiB} MiB after the same GET rounds; the gateway ${memoryFloor.gatewayIdleMiB} and ${memoryFloor.gatewayAfterGetsMiB})`,
      met: peakRss * 1.048576 <= 120,
    },
    {
      aim: `RSS after ${TENANTS} tenants ≤ 512 MB`,
      value: `${tenants.rssMiB.after} MiB (${tenants.kibPerTenant} KiB/tenant; first request ${tenants.firstRequestMs.tenant1} ms tenant 1, ${tenants.firstRequestMs.tenantN} ms tenant ${TENANTS})`,
      met: tenants.rssMiB.after * 1.048576 <= 512,
    },
    ...(['sqlite', 'postgres'] as const).flatMap((name) => [
      {
        aim: `webhook burst ≥ 5,000 events/s (${name}; replay of ${BURST_EVENTS}, delivery alone)`,
        value: `${fmt(events[name].replay.eventsPerSecond)} events/s; recorded by batch deletes and delivered, end to end ${fmt(events[name].burst.eventsPerSecond)}; the machine ${events[name].replay.machineCpuMsPerEvent} ms CPU per event (${Object.entries(
          events[name].replay.cpuMsPerEventByCommand,
        )
          .slice(0, 3)
          .map(([c, ms]) => `${c} ${ms}`)
          .join(', ')})${name === 'postgres' ? `; PostgreSQL's floor ${deliveryFloor.postgresCpuMsPerEvent.median} ms per event` : ''}`,
        met: events[name].replay.eventsPerSecond.median >= 5000,
      },
      {
        aim: `write → receipt p99 < 250 ms at ${STEADY_RATE} writes/s (${name})`,
        value: `p99 ${fmt(events[name].steady.delayP99ms)} ms, p50 ${fmt(events[name].steady.delayP50ms)} ms, ${fmt(events[name].steady.achievedPerSecond)} writes/s achieved (RGW took ${measures['PUT 1 KiB, c=32'].baseline.median} PUT/s directly at c=32, its own processes spending ${round(directPutCpu.storage, 2)} ms CPU per PUT and the machine ${round(directPutCpu.machine, 2)}: ${STEADY_RATE} PUT/s would take ${round((directPutCpu.storage * STEADY_RATE) / 1000, 2)} of ${os.cpus().length} cores for the storage alone); at ${events[name].halfCapacity.targetPerSecond} writes/s p99 ${fmt(events[name].halfCapacity.delayP99ms)} ms`,
        met: events[name].steady.delayP99ms.median < 250 && events[name].steady.achievedPerSecond.median >= STEADY_RATE * 0.95,
      },
    ]),
    // Judged on the medians themselves: the ratio kept in `measures` is rounded to two places (0.898 shows as 0.9).
    {
      aim: `${label} download ≥ 0.9 × bare pipe proxy`,
      value: `${round(download.gateway.median / download.baseline.median, 3)} (${download.gateway.median} vs ${download.baseline.median} MB/s)`,
      met: download.gateway.median >= 0.9 * download.baseline.median,
    },
    {
      aim: '1 KiB GET c=1 p50 ≤ direct + 1 ms',
      value: `${c1.gateway.median} vs ${c1.baseline.median} ms (+${round(c1.gateway.median - c1.baseline.median)} ms)`,
      met: c1.gateway.median <= c1.baseline.median + 1,
    },
    ...issue33Aims(f, cpuPerRequest, rss.phases),
  ];
  process.stdout.write(
    [
      `${'measure'.padEnd(40)} ${'gateway median [min–max]'.padEnd(30)} ${'baseline median [min–max]'.padEnd(30)} ${'ratio'.padEnd(6)} baseline`,
      ...rows,
      `gateway RSS (MiB, peak per phase): ${Object.entries(rss.phases)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}; peak ${peakRss}`,
      `gateway CPU per request (ms): ${Object.entries(cpuPerRequest)
        .map(([k, v]) => `${k} ${round(v, 3)}`)
        .join(', ')}; tracing on ${round(tracingCpu.on, 3)}, off ${round(tracingCpu.off, 3)}`,
      ...(['sqlite', 'postgres'] as const).map(
        (n) =>
          `events (${n}): ${STEADY_RATE} writes/s → receipt p50 ${fmt(events[n].steady.delayP50ms)} ms, p99 ${fmt(events[n].steady.delayP99ms)} ms (achieved ${fmt(events[n].steady.achievedPerSecond)}/s); at ${events[n].halfCapacity.targetPerSecond} writes/s p50 ${fmt(events[n].halfCapacity.delayP50ms)} ms, p99 ${fmt(events[n].halfCapacity.delayP99ms)} ms; burst of ${BURST_EVENTS} end to end ${fmt(events[n].burst.eventsPerSecond)} events/s; replay ${fmt(events[n].replay.eventsPerSecond)} events/s, ${events[n].replay.gatewayCpuMsPerEvent} ms gateway CPU per event, ${events[n].replay.machineCpuMsPerEvent} ms of the machine's (${Object.entries(
            events[n].replay.cpuMsPerEventByCommand,
          )
            .slice(0, 4)
            .map(([c, ms]) => `${c} ${ms}`)
            .join(', ')})`,
      ),
      ...(['sqlite', 'postgres'] as const).map(
        (n) =>
          `replay by destination (${n}, events/s): ${Object.entries(events[n].replayByDestination)
            .filter(([k]) => k !== 'what')
            .map(([k, v]) => `${k} ${fmt(v as Parameters<typeof fmt>[0])}`)
            .join(', ')}`,
      ),
      `tenants: ${MANY_TENANTS}, ${LIVE_TENANTS} of them live: RSS idle ${liveTenants.rssMiB.idle} → ${liveTenants.rssMiB.after} MiB, ${liveTenants.rssMiB.afterScrape} after a /metrics scrape of ${liveTenants.metricsKiB} KiB (peak ${liveTenants.rssMiB.peak}), ${liveTenants.kibPerTenant} KiB per live tenant; V8 heap used ${liveTenants.heapUsedMiB.idle} → ${liveTenants.heapUsedMiB.after} MiB; ${liveTenants.middle.rps} first requests/s at c=32; ${liveTenants.failures} failures`,
      `tenants: ${TENANTS}, RSS idle ${tenants.rssMiB.idle} → ${tenants.rssMiB.after} MiB (peak ${tenants.rssMiB.peak}), ${tenants.liveTenantsAfter} live clients (bound ${tenants.maxLiveTenants}); first request p50 ${tenants.firstRequestMs.firstSampleP50} ms (first ${tenants.firstRequestMs.sample}) vs ${tenants.firstRequestMs.lastSampleP50} ms (last ${tenants.firstRequestMs.sample}); ${tenants.middle.rps} first requests/s at c=32; ${tenants.failures} failures`,
      '',
      'aims:',
      ...aims.map((a) => `  ${a.met ? 'met    ' : 'NOT met'} ${a.aim}: ${a.value}`),
    ].join('\n') + '\n',
  );
  const report = {
    date: new Date().toISOString(),
    mode: QUICK ? 'quick' : 'full',
    commit: gitCommit(),
    machine: { cpuModel: os.cpus()[0]?.model, cpus: os.cpus().length, memGiB: Math.round(os.totalmem() / 1024 ** 3), node: process.version },
    backend: 'Ceph RGW (memstore) on 127.0.0.1, cores shared with the gateway and the client',
    rounds: RUNS,
    gateway: { nodeArgs: nodeArgs ?? startFlags(), env: startEnv() },
    sizes: { LARGE, SMALL_REQUESTS, SERIAL_REQUESTS, LIST_REQUESTS, DOOR_LARGE, TUS_BYTES, BURST_EVENTS, STEADY_WRITES, STEADY_RATE, TENANTS, MANY_TENANTS, LIVE_TENANTS, TRACING_REQUESTS },
    measures,
    memory: { peakMiB: peakRss, phasesMiB: rss.phases, floor: memoryFloor },
    directPutCpuMsPerRequest: { storage: round(directPutCpu.storage, 3), machine: round(directPutCpu.machine, 3) },
    gatewayCpuMsPerRequest: Object.fromEntries(Object.entries(cpuPerRequest).map(([k, v]) => [k, round(v, 3)])),
    tracingCpuMsPerRequest: { on: round(tracingCpu.on, 3), off: round(tracingCpu.off, 3) },
    events,
    pgDeliveryFloor: deliveryFloor,
    tenants,
    liveTenants,
    aims,
    seconds: Math.round((performance.now() - started) / 1000),
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const out = join(root, 'bench/results', `${report.date.slice(0, 19).replaceAll(':', '-')}${QUICK ? '-quick' : ''}.json`);
  writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(`wrote ${out} (${report.seconds} s)\n`);
}

type Measure = (typeof measures)[string];
const doorProxy = (m: Measure) => (m.extra?.proxy ? round(m.extra.proxy.median / m.baseline.median, 3) : 'not measured');
const cpuPerMiB = (m: Measure, side: 'gateway' | 'proxy') => m.extra?.[`${side}CpuMsPerMiB`]?.median ?? 'not measured';

/** Issue 33's aims: the gateway's own cost per request and per tenant. */
function issue33Aims(f: Findings, cpu: Record<string, number>, phases: Record<string, number>) {
  const get = measures['GET 1 KiB, c=32'];
  const raw = get.extra?.['raw keep-alive client, presigned URLs'];
  // The least any Node proxy spends: a bare node:http server forwarding to presigned URLs (the aims' floor).
  const proxy = get.extra?.['bare Node proxy, presigned URLs'];
  const up = measures[`door upload ${DOOR_LARGE / MiB} MiB`];
  const down = measures[`door download ${DOOR_LARGE / MiB} MiB`];
  const ms = (name: string) => round(cpu[name] ?? Number.NaN, 3);
  const { liveTenants: t, memoryFloor } = f;
  const worst = (names: string[]) => Math.max(...names.map(ms));
  const small = Math.max(...Object.entries(phases).flatMap(([k, v]) => (k.startsWith('smallObjects') ? [v] : [])));
  return [
    {
      aim: '1 KiB GET c=32 ≥ 0.8 × a raw keep-alive client on presigned URLs',
      value: raw
        ? `${round(get.gateway.median / raw.median, 3)} (${get.gateway.median} vs ${raw.median} req/s); a bare Node proxy ${proxy ? `${round(proxy.median / raw.median, 3)} (${proxy.median} req/s)` : 'not measured'}`
        : 'not measured',
      met: raw !== undefined && get.gateway.median >= 0.8 * raw.median,
    },
    {
      aim: 'gateway CPU per 1 KiB GET ≤ 0.22 ms (REST and door)',
      value: `REST ${ms('GET 1 KiB, c=32')} ms, door ${ms('door GET 1 KiB, c=32')} ms; a bare Node proxy ${ms('bare Node proxy: GET 1 KiB, c=32')} ms`,
      met: worst(['GET 1 KiB, c=32', 'door GET 1 KiB, c=32']) <= 0.22,
    },
    {
      aim: 'gateway CPU per 1 KiB PUT ≤ 0.4 ms (REST and door)',
      value: `REST ${ms('PUT 1 KiB, c=32')} ms, door ${ms('door PUT 1 KiB, c=32')} ms`,
      met: worst(['PUT 1 KiB, c=32', 'door PUT 1 KiB, c=32']) <= 0.4,
    },
    {
      aim: `${MANY_TENANTS} tenants, ${LIVE_TENANTS} of them live: ≤ 10 KiB per live tenant, RSS < 512 MiB (peak, a /metrics scrape included)`,
      value: `${t.kibPerTenant} KiB per live tenant; RSS ${t.rssMiB.idle} → ${t.rssMiB.after} MiB, peak ${t.rssMiB.peak} MiB`,
      met: t.kibPerTenant <= 10 && t.rssMiB.peak < 512,
    },
    {
      aim: "peak RSS over the small-object phase ≤ the required packages' floor + 40 MiB",
      value: `${small} MiB vs floor ${memoryFloor.peakMiB} MiB (+${round(small - memoryFloor.peakMiB, 1)}; ${Object.entries(phases)
        .filter(([k]) => k.startsWith('smallObjects'))
        .map(([k, v]) => `${k.replace('smallObjects', 'GETs c=32').replace('GETs c=32.', '')} ${v}`)
        .join(', ')})`,
      met: small <= memoryFloor.peakMiB + 40,
    },
    {
      aim: `${DOOR_LARGE / MiB} MiB up / down through the door ≥ 0.95 × the SDK direct`,
      value: `${round(up.gateway.median / up.baseline.median, 3)} / ${round(down.gateway.median / down.baseline.median, 3)}; a bare Node proxy of the same requests ${doorProxy(up)} / ${doorProxy(down)}; gateway CPU per MiB ${cpuPerMiB(up, 'gateway')} / ${cpuPerMiB(down, 'gateway')} ms, the bare proxy's ${cpuPerMiB(up, 'proxy')} / ${cpuPerMiB(down, 'proxy')}`,
      met: up.gateway.median >= 0.95 * up.baseline.median && down.gateway.median >= 0.95 * down.baseline.median,
    },
  ];
}
