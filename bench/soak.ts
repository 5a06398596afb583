// npm run soak -- --minutes 30: mixed load on the gateway, built and run as `npm start` runs it, for a
// while. REST and GraphQL on an RGW tenant and a disk tenant, webhooks to a receiver that is fast, then
// slow, then down, in turns, and a tenant whose S3 stalls. Reports, minute by minute, each operation's
// p99 and errors, the gateway's RSS and event-loop delay; at the end, that every event was delivered.
// Loopback only; stops by itself. Writes bench/results/soak-<time>.json.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rgwEndpoint, rgwUser } from '../test/helpers/rgw.js';
import { freePort, stallingEndpoint } from '../test/helpers/stall.js';
import { startGateway } from './gateway.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const MINUTES = arg('minutes', 5);
const WORKERS = arg('workers', 8);
/** How long the receiver stays in each behaviour (fast, slow, down). */
const PHASE_MS = arg('phase-seconds', 40) * 1000;

type Op = 'rest.put' | 'rest.get' | 'rest.list' | 'rest.delete' | 'graphql.list' | 'graphql.put' | 'disk.put' | 'disk.get' | 'events.list' | 'stalled.get';
/** What each operation is expected to answer; anything else is an error. */
const EXPECTED: Record<Op, number[]> = {
  'rest.put': [201],
  'rest.get': [200, 404],
  'rest.list': [200],
  'rest.delete': [204],
  'graphql.list': [200],
  'graphql.put': [200],
  'disk.put': [201],
  'disk.get': [200, 404],
  'events.list': [200],
  // A stalled endpoint: the request times out (504), the circuit opens (503), the pool sheds (503).
  'stalled.get': [503, 504],
};

interface Minute {
  minute: number;
  ops: Record<string, { n: number; errors: number; p50ms: number; p99ms: number }>;
  rssMB: number;
  loopDelayP99ms: number;
}

async function main() {
  const endpoint = rgwEndpoint();
  // The commit the measured build comes from (a tree with changes says so).
  const commit = execFileSync('git', ['describe', '--always', '--dirty'], { cwd: root, encoding: 'utf8' }).trim();
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  const user = rgwUser('soak');
  const stall = await stallingEndpoint({ teardown: () => {} });

  // The webhook receiver: fast, slow (2 s), down, in turns; counts each event id once.
  const received = new Set<string>();
  let deliveries = 0;
  let phase: 'fast' | 'slow' | 'down' = 'fast';
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      deliveries++;
      const id = req.headers['webhook-id'];
      const answer = () => (typeof id === 'string' && received.add(id), res.writeHead(200).end('ok'));
      if (phase === 'slow') setTimeout(answer, 2000).unref();
      else answer();
    });
  });
  const receiverPort = await freePort();
  const listen = () => new Promise<void>((r) => receiver.listen(receiverPort, '127.0.0.1', r));
  await listen();

  const dataDir = mkdtempSync(join(os.tmpdir(), 's3gate-soak-'));
  const keys = { rgw: 's3g_' + randomBytes(32).toString('base64url'), disk: 's3g_' + randomBytes(32).toString('base64url'), stalled: 's3g_' + randomBytes(32).toString('base64url') };
  const tenantsFile = join(dataDir, 'tenants.json');
  writeFileSync(
    tenantsFile,
    JSON.stringify({
      tenants: [
        { id: 'soak-rgw', s3: { endpoint, accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey }, apiKeys: [keys.rgw] },
        { id: 'soak-disk', driver: 'disk', apiKeys: [keys.disk] },
        {
          id: 'soak-stalled',
          s3: { endpoint: stall.url, accessKeyId: 'x', secretAccessKey: 'y', maxAttempts: 1 },
          pool: { requestTimeoutMs: 1000, maxSockets: 4, maxQueue: 4 },
          apiKeys: [keys.stalled],
        },
      ],
    }),
  );
  const { base, stop } = await startGateway({
    dataDir,
    env: {
      S3GATE_TENANTS_FILE: tenantsFile,
      S3GATE_WEBHOOK_TIMEOUT_MS: '1000',
      S3GATE_WEBHOOK_RETRY_SCHEDULE: '1,2,5,10,20,30,60,60,60,60',
      S3GATE_WEBHOOK_POLL_MS: '200',
    },
  });
  const auth = (k: string) => ({ authorization: `Bearer ${k}` });
  const bucket = `soak-${randomBytes(4).toString('hex')}`;
  await fetch(`${base}/v1/buckets/${bucket}`, { method: 'PUT', headers: auth(keys.rgw) });
  await fetch(`${base}/v1/buckets/soak-disk`, { method: 'PUT', headers: auth(keys.disk) });
  for (const k of [keys.rgw, keys.disk]) {
    const res = await fetch(`${base}/v1/webhooks`, {
      method: 'POST',
      headers: { ...auth(k), 'content-type': 'application/json' },
      body: JSON.stringify({ url: `http://127.0.0.1:${receiverPort}/hook`, events: ['*'] }),
    });
    if (res.status !== 201) throw new Error(`webhook: ${res.status} ${await res.text()}`);
  }

  const samples = new Map<Op, { ms: number; ok: boolean }[]>();
  const errorsByStatus: Record<string, number> = {};
  const record = (op: Op, ms: number, status: number) => {
    const ok = EXPECTED[op].includes(status);
    if (!ok) errorsByStatus[`${op} ${status}`] = (errorsByStatus[`${op} ${status}`] ?? 0) + 1;
    (samples.get(op) ?? samples.set(op, []).get(op)!).push({ ms, ok });
  };
  const call = async (op: Op, url: string, init: RequestInit = {}) => {
    const t0 = performance.now();
    let status = 0;
    try {
      const res = await fetch(base + url, { ...init, signal: AbortSignal.timeout(30_000) });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      status = 0;
    }
    record(op, performance.now() - t0, status);
  };
  const key = () => `k/${Math.floor(Math.random() * 200)}`;
  const gql = (k: string, query: string) => ({ method: 'POST', headers: { ...auth(k), 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const ops: [number, () => Promise<void>][] = [
    [20, () => call('rest.put', `/v1/buckets/${bucket}/objects/${key()}`, { method: 'PUT', headers: auth(keys.rgw), body: randomBytes(1024) })],
    [25, () => call('rest.get', `/v1/buckets/${bucket}/objects/${key()}`, { headers: auth(keys.rgw) })],
    [5, () => call('rest.list', `/v1/buckets/${bucket}/objects?prefix=k/&limit=100`, { headers: auth(keys.rgw) })],
    [8, () => call('rest.delete', `/v1/buckets/${bucket}/objects/${key()}`, { method: 'DELETE', headers: auth(keys.rgw) })],
    [5, () => call('graphql.list', '/graphql', gql(keys.rgw, `{ bucket(name: "${bucket}") { objects(first: 50) { edges { node { key size } } } } }`))],
    [5, () => call('graphql.put', '/graphql', gql(keys.disk, `mutation { putObject(bucket: "soak-disk", key: "${key()}", content: "soak") { etag } }`))],
    [10, () => call('disk.put', `/v1/buckets/soak-disk/objects/${key()}`, { method: 'PUT', headers: auth(keys.disk), body: randomBytes(1024) })],
    [10, () => call('disk.get', `/v1/buckets/soak-disk/objects/${key()}`, { headers: auth(keys.disk) })],
    [2, () => call('events.list', '/v1/events?limit=100', { headers: auth(keys.disk) })],
    [2, () => call('stalled.get', '/v1/buckets/stalled/objects/x', { headers: auth(keys.stalled) })],
  ];
  const weights = ops.reduce((n, [w]) => n + w, 0);
  const pick = () => {
    let r = Math.random() * weights;
    for (const [w, fn] of ops) if ((r -= w) < 0) return fn;
    return ops[0][1];
  };

  const started = Date.now();
  const end = started + MINUTES * 60_000;
  const minutes: Minute[] = [];
  const scrape = async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
    return { rssMB: Math.round(value('process_resident_memory_bytes') / 1024 / 1024), loopDelayP99ms: Number((value('nodejs_eventloop_lag_p99_seconds') * 1000).toFixed(1)) };
  };
  const minuteTimer = setInterval(async () => {
    const ops: Minute['ops'] = {};
    for (const [op, list] of samples) {
      const ms = list.map((s) => s.ms).sort((a, b) => a - b);
      const q = (p: number) => Number((ms[Math.min(ms.length - 1, Math.floor(p * ms.length))] ?? 0).toFixed(1));
      ops[op] = { n: list.length, errors: list.filter((s) => !s.ok).length, p50ms: q(0.5), p99ms: q(0.99) };
    }
    samples.clear();
    const m: Minute = { minute: minutes.length + 1, ops, ...(await scrape()) };
    minutes.push(m);
    const errs = Object.values(ops).reduce((n, o) => n + o.errors, 0);
    console.log(
      `minute ${m.minute}: ${Object.values(ops).reduce((n, o) => n + o.n, 0)} requests, ${errs} unexpected, RSS ${m.rssMB} MB, loop p99 ${m.loopDelayP99ms} ms, receiver ${phase}, ${received.size} events received`,
    );
  }, 60_000);
  const phaseTimer = setInterval(async () => {
    const next = phase === 'fast' ? 'slow' : phase === 'slow' ? 'down' : 'fast';
    if (next === 'down') await new Promise<void>((r) => (receiver.closeAllConnections(), receiver.close(() => r())));
    if (phase === 'down') await listen();
    phase = next;
  }, PHASE_MS);

  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (Date.now() < end) await pick()();
    }),
  );
  clearInterval(minuteTimer);
  clearInterval(phaseTimer);
  // The phase timer changed it meanwhile.
  if ((phase as string) === 'down') await listen();
  phase = 'fast';

  // Every event of the two tenants with a subscription must reach the receiver (retries included).
  const expected = new Set<string>();
  for (const k of [keys.rgw, keys.disk]) {
    for (let cursor: string | null = ''; cursor !== null; ) {
      const page = (await (await fetch(`${base}/v1/events?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, { headers: auth(k) })).json()) as { events: { id: string }[]; nextCursor: string | null };
      for (const e of page.events) expected.add(e.id);
      cursor = page.nextCursor;
    }
  }
  const drainStart = Date.now();
  const missing = () => [...expected].filter((id) => !received.has(id));
  while (missing().length > 0 && Date.now() - drainStart < 5 * 60_000) await new Promise((r) => setTimeout(r, 1000));
  const final = await scrape();
  const result = {
    when: new Date().toISOString(),
    commit,
    machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, memGB: Math.round(os.totalmem() / 1024 ** 3), node: process.version },
    settings: { minutes: MINUTES, workers: WORKERS, receiverPhaseSeconds: PHASE_MS / 1000 },
    minutes,
    unexpected: errorsByStatus,
    events: {
      recorded: expected.size,
      received: [...expected].filter((id) => received.has(id)).length,
      missing: missing().length,
      deliveryRequests: deliveries,
      drainSeconds: Math.round((Date.now() - drainStart) / 1000),
    },
    final,
  };
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  const file = join(root, 'bench/results', `soak-${result.when.replace(/[:.]/g, '-').slice(0, 19)}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  const rss = minutes.map((m) => m.rssMB);
  console.log(`\nsoak: ${MINUTES} min, ${Object.values(errorsByStatus).reduce((a, b) => a + b, 0)} unexpected answers ${JSON.stringify(errorsByStatus)}`);
  console.log(`RSS MB by minute: ${rss.join(' ')}; event-loop p99 ms: ${minutes.map((m) => m.loopDelayP99ms).join(' ')}`);
  console.log(`events: ${result.events.received}/${result.events.recorded} delivered (${result.events.missing} missing) after a ${result.events.drainSeconds} s drain`);
  console.log(`wrote ${file}`);
  receiver.closeAllConnections();
  receiver.close();
  await stall.close();
  stop();
  process.exit(result.events.missing === 0 ? 0 : 1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
