import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { tempPgDatabase } from '../../test/helpers/pg.js';
import { startGateway } from '../gateway.js';
import { BROKER_KINDS, brokerConsumer, type BrokerKind } from '../lib/brokers.js';
import { brokerReplay, burst, eventReceiver, replayBurst, steadyWrites, subscribe } from '../lib/events.js';
import { cpuMsOf, cpuSince, cpuSnapshot, round, summary, machineBusyMs } from '../lib/measure.js';
import { pgDeliveryFloor } from '../lib/pg-floor.js';

import { CONCURRENCY, QUICK, RUNS, BURST_EVENTS, STEADY_WRITES, STEADY_RATE, measures, type Bench } from './bench.js';
/** A fresh PostgreSQL database for the events phase; drop() removes it. */
async function benchPgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  let drop: () => unknown = () => {};
  const url = await tempPgDatabase({ teardown: (fn) => void (drop = fn) }, 's3gate_bench_');
  return { url, drop: async () => void (await drop()) };
}

/** Webhook events on SQLite (this gateway) and PostgreSQL (a second one): steady writes, a burst, a replay */
export async function eventPhase(b: Bench) {
  const { bucket, pid, rss, http, auth, nodeArgs, gatewayEnv, say } = b;
  say('events');
  rss.phase('events');
  const pgDb = await benchPgDatabase();
  const onPg = await startGateway({ dataDir: mkdtempSync(join(os.tmpdir(), 's3gate-bench-pg-')), env: { ...gatewayEnv, DATABASE_URL: pgDb.url }, nodeArgs });
  const pgHttp = new Pool(onPg.base, { connections: CONCURRENCY, pipelining: 1 });
  const sides = {
    sqlite: { http, receiver: await eventReceiver(), hook: '' },
    postgres: { http: pgHttp, receiver: await eventReceiver(), hook: '' },
  };
  for (const [name, side] of Object.entries(sides)) side.hook = await subscribe(side.http, auth, side.receiver.url, `ev-${name}/`);
  const steady: Record<string, Awaited<ReturnType<typeof steadyWrites>>[]> = { sqlite: [], postgres: [] };
  // Beside the 1,000 writes/s (more than RGW takes here: see PUT c=32 direct), half of what the
  // gateway took at c=32 in this run: the delay when the machine is not saturated.
  const HALF_RATE = Math.max(20, Math.round(measures['PUT 1 KiB, c=32'].gateway.median / 2));
  const unsaturated: Record<string, Awaited<ReturnType<typeof steadyWrites>>[]> = { sqlite: [], postgres: [] };
  const bursts: Record<string, Awaited<ReturnType<typeof burst>>[]> = { sqlite: [], postgres: [] };
  const replays: Record<string, Awaited<ReturnType<typeof replayBurst>>[]> = { sqlite: [], postgres: [] };
  const eventCpu: Record<string, number> = { sqlite: 0, postgres: 0 };
  // Where the machine's CPU goes in a replay: all of it (both cores), and by command (postgres,
  // bench-receiver, node: the gateways and this process), ms per event, summed over the rounds.
  const pgFloor: Awaited<ReturnType<typeof pgDeliveryFloor>>[] = [];
  const replayCpu: Record<string, { machine: number; byCommand: Map<string, number> }> = { sqlite: { machine: 0, byCommand: new Map() }, postgres: { machine: 0, byCommand: new Map() } };
  // The same replays to each broker kind, right after the webhook's, through a subscription made for it.
  const consumers = Object.fromEntries(await Promise.all(BROKER_KINDS.map(async (k) => [k, await brokerConsumer(k)] as const))) as Record<BrokerKind, Awaited<ReturnType<typeof brokerConsumer>>>;
  const brokerReplays: Record<string, Record<BrokerKind, number[]>> = Object.fromEntries(
    (['sqlite', 'postgres'] as const).map((n) => [n, Object.fromEntries(BROKER_KINDS.map((k) => [k, [] as number[]])) as Record<BrokerKind, number[]>]),
  );
  for (let round = 0; round < RUNS; round++) {
    for (const [name, side] of Object.entries(sides) as [keyof typeof sides, (typeof sides)['sqlite']][]) {
      const p = `ev-${name}/r${round}-`;
      steady[name].push(await steadyWrites(side.http, auth, bucket, side.receiver, `${p}s`, STEADY_RATE, STEADY_WRITES));
      unsaturated[name].push(await steadyWrites(side.http, auth, bucket, side.receiver, `${p}h`, HALF_RATE, Math.round(HALF_RATE * (QUICK ? 1 : 3))));
      const since = new Date().toISOString();
      bursts[name].push(await burst(side.http, auth, bucket, side.receiver, `${p}b`, BURST_EVENTS));
      const until = new Date(Date.now() + 1).toISOString();
      const gwPid = name === 'sqlite' ? pid : onPg.child.pid!;
      const before = { gateway: cpuMsOf(gwPid), machine: machineBusyMs(), byCommand: cpuSnapshot() };
      replays[name].push(await replayBurst(side.http, auth, side.hook, side.receiver, since, until));
      eventCpu[name] += (cpuMsOf(gwPid) - before.gateway) / (BURST_EVENTS * RUNS);
      replayCpu[name].machine += (machineBusyMs() - before.machine) / (BURST_EVENTS * RUNS);
      for (const [c, ms] of cpuSince(before.byCommand)) replayCpu[name].byCommand.set(c, (replayCpu[name].byCommand.get(c) ?? 0) + ms / (BURST_EVENTS * RUNS));
      for (const kind of BROKER_KINDS) brokerReplays[name][kind].push((await brokerReplay(side.http, auth, consumers[kind], `ev-${name}/`, since, until)).eventsPerSecond);
      // Beside the PostgreSQL replay, alternating with it: the same burst's rows written by a bare client,
      // with the PostgreSQL gateway stopped meanwhile (its dispatcher would claim and send them too).
      if (name === 'postgres') {
        process.kill(gwPid, 'SIGSTOP');
        try {
          pgFloor.push(await pgDeliveryFloor(pgDb.url, 'bench', side.hook, `${p}b`));
        } finally {
          process.kill(gwPid, 'SIGCONT');
        }
      }
    }
  }
  const events = Object.fromEntries(
    (['sqlite', 'postgres'] as const).map((name) => [
      name,
      {
        steady: {
          targetPerSecond: STEADY_RATE,
          writes: STEADY_WRITES,
          achievedPerSecond: summary(steady[name].map((s) => s.achievedPerSecond)),
          delayP50ms: summary(steady[name].map((s) => s.delayP50ms)),
          delayP99ms: summary(steady[name].map((s) => s.delayP99ms)),
          failures: steady[name].reduce((n, s) => n + s.failures, 0),
        },
        halfCapacity: {
          targetPerSecond: HALF_RATE,
          achievedPerSecond: summary(unsaturated[name].map((s) => s.achievedPerSecond)),
          delayP50ms: summary(unsaturated[name].map((s) => s.delayP50ms)),
          delayP99ms: summary(unsaturated[name].map((s) => s.delayP99ms)),
        },
        burst: { events: BURST_EVENTS, eventsPerSecond: summary(bursts[name].map((b) => b.eventsPerSecond)), recordMs: summary(bursts[name].map((b) => b.recordMs)) },
        replayByDestination: {
          what: 'the replay of the same burst to a subscription of each kind, events per second from the replay answer to the last arrival at a consumer of the broker',
          webhook: summary(replays[name].map((b) => b.eventsPerSecond)),
          ...Object.fromEntries(BROKER_KINDS.map((k) => [k, summary(brokerReplays[name][k])])),
        },
        replay: {
          events: BURST_EVENTS,
          eventsPerSecond: summary(replays[name].map((b) => b.eventsPerSecond)),
          gatewayCpuMsPerEvent: round(eventCpu[name], 3),
          machineCpuMsPerEvent: round(replayCpu[name].machine, 3),
          cpuMsPerEventByCommand: Object.fromEntries(
            [...replayCpu[name].byCommand]
              .filter(([, ms]) => ms >= 0.005)
              .sort((a, b) => b[1] - a[1])
              .map(([c, ms]) => [c, round(ms, 3)]),
          ),
        },
      },
    ]),
  );
  const deliveryFloor = {
    what: 'the PostgreSQL rows of each replayed event written by a bare client (bench/lib/pg-floor.ts), alternating with the replays',
    eventsPerSecond: summary(pgFloor.map((f) => f.eventsPerSecond)),
    postgresCpuMsPerEvent: summary(pgFloor.map((f) => f.postgresCpuMsPerEvent)),
    machineCpuMsPerEvent: summary(pgFloor.map((f) => f.machineCpuMsPerEvent)),
    clientCpuMsPerEvent: summary(pgFloor.map((f) => f.clientCpuMsPerEvent)),
  };
  for (const side of Object.values(sides)) side.receiver.close();
  for (const c of Object.values(consumers)) await c.close();
  await pgHttp.close();
  await onPg.stop();
  await pgDb.drop();

  return { events, deliveryFloor };
}
