import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import type net from 'node:net';
import { Pool } from 'undici';
import { startGateway } from '../gateway.js';
import { alternate, cpuMsOf, drain, load, type Summary } from '../lib/measure.js';

import { CONCURRENCY, RUNS, SERIAL_REQUESTS, TRACING_REQUESTS, record, type Bench } from './bench.js';

/** The same 1 KiB GET through a second gateway with OpenTelemetry on, beside this one with it off */
export async function tracingPhase(b: Bench) {
  const { pid, rss, http, auth, obj, nodeArgs, gatewayEnv, say, WARM } = b;
  say('tracing');
  rss.phase('tracing');
  // The same 1 KiB GET through a second gateway with OpenTelemetry on (every request sampled, spans
  // batched to an OTLP/HTTP collector on loopback that discards them) beside this one with it off.
  const collector = createServer((req, res) => void req.resume().on('end', () => res.writeHead(200).end()));
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  const traced = await startGateway({
    dataDir: mkdtempSync(join(os.tmpdir(), 's3gate-bench-traced-')),
    env: { ...gatewayEnv, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as net.AddressInfo).port}` },
    nodeArgs,
  });
  const tracedHttp = new Pool(traced.base, { connections: CONCURRENCY, pipelining: 1 });
  const getVia = (pool: Pool) => async (i: number) => {
    const res = await pool.request({ method: 'GET', path: obj(`small/${i % 100}`), headers: auth });
    if (res.statusCode !== 200) throw new Error(`GET ${res.statusCode}`);
    await drain(res.body);
  };
  await load(WARM, CONCURRENCY, getVia(tracedHttp));
  const tracingCpu = { on: 0, off: 0 };
  const cpuOf = (side: 'on' | 'off', p: number, pool: Pool) => async () => {
    const before = cpuMsOf(p);
    const l = await load(TRACING_REQUESTS, CONCURRENCY, getVia(pool));
    tracingCpu[side] += (cpuMsOf(p) - before) / (TRACING_REQUESTS * Math.max(5, RUNS));
    return l.rps;
  };
  // Five rounds at least: two identical gateways measured this way differ by up to 6% in throughput here.
  let r: Record<string, Summary> = await alternate(Math.max(5, RUNS), { on: cpuOf('on', traced.child.pid!, tracedHttp), off: cpuOf('off', pid, http) });
  record('GET 1 KiB, c=32, tracing on vs off', 'req/s', 'higher', r.on, r.off, 'tracing off');
  r = await alternate(Math.max(5, RUNS), { on: async () => (await load(SERIAL_REQUESTS, 1, getVia(tracedHttp))).p50ms, off: async () => (await load(SERIAL_REQUESTS, 1, getVia(http))).p50ms });
  record('GET 1 KiB, c=1, p50, tracing on vs off', 'ms', 'lower', r.on, r.off, 'tracing off');
  await tracedHttp.close();
  await traced.stop();
  collector.close();

  return tracingCpu;
}
