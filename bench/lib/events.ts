// Webhook delivery measured from outside: a receiver on loopback in the benchmark's process.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Pool } from 'undici';
import type { BrokerConsumer } from './brokers.js';

export interface EventReceiver {
  url: string;
  /** Events received so far. */
  count(): number;
  /** When the event `${type} ${key}` arrived (on the clock of `now()`), if it has. */
  at(type: string, key: string): number | undefined;
  /** Resolves once `n` events have arrived in all; rejects after `timeoutMs`. */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): void;
}

/**
 * A fast receiver on loopback, in its own process (receiver.mjs): answers 204 as soon as a delivery's
 * body is in. Receipt times are taken there, on the clock `now()` reads here.
 */
export async function eventReceiver(): Promise<EventReceiver> {
  const arrived = new Map<string, number>();
  let n = 0;
  let waiter: { n: number; resolve: () => void } | undefined;
  const child = spawn(process.execPath, [fileURLToPath(new URL('./receiver.mjs', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the receiver exited (${code})`)));
    lines.once('line', (line) => resolve(Number(line.split(' ')[1])));
  });
  lines.on('line', (line) => {
    const space = line.indexOf(' ');
    arrived.set(line.slice(space + 1), Number(line.slice(0, space)));
    n++;
    if (waiter && n >= waiter.n) waiter.resolve();
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    count: () => n,
    at: (type, key) => arrived.get(`${type} ${key}`),
    waitFor: (target, timeoutMs = 120_000) =>
      n >= target
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`only ${n} of ${target} events arrived within ${timeoutMs} ms`)), timeoutMs);
            waiter = { n: target, resolve: () => (clearTimeout(timer), (waiter = undefined), resolve()) };
          }),
    close: () => void child.kill(),
  };
}

/** The clock receipt times are on: ms since the epoch, with performance's resolution. */
export const now = () => performance.timeOrigin + performance.now();

/** Subscribes the receiver (or a broker, with its destination settings) to a bucket's writes and deletes under `prefix`. */
export async function subscribe(http: Pool, auth: Record<string, string>, url: string, prefix: string, destination?: Record<string, unknown>): Promise<string> {
  const res = await http.request({
    method: 'POST',
    path: '/v1/webhooks',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ url, events: ['s3:ObjectCreated:Put', 's3:ObjectRemoved:Delete'], filter: { prefix }, ...(destination && { destination }) }),
  });
  const body = (await res.body.json()) as { id: string };
  if (res.statusCode !== 201) throw new Error(`webhook ${res.statusCode} ${JSON.stringify(body)}`);
  return body.id;
}

export async function unsubscribe(http: Pool, auth: Record<string, string>, id: string): Promise<void> {
  const res = await http.request({ method: 'DELETE', path: `/v1/webhooks/${id}`, headers: auth });
  await res.body.dump();
}

/**
 * A burst: `total` events recorded by batch deletes of 1000 keys each (one request records 1000 events
 * at once, as a bulk delete does in production), then delivered. The keys need not exist: S3 reports
 * every key of a batch delete as deleted, and the gateway records an event for each. Returns the
 * delivery rate from the moment the last batch was on record to the receipt of the last event, and the
 * rate over the whole burst (recording and delivery overlap).
 */
export async function burst(http: Pool, auth: Record<string, string>, bucket: string, receiver: EventReceiver, prefix: string, total: number) {
  const before = receiver.count();
  const t0 = performance.now();
  for (let i = 0; i < total; i += 1000) {
    const keys = Array.from({ length: Math.min(1000, total - i) }, (_, j) => `${prefix}${i + j}`);
    const res = await http.request({ method: 'POST', path: `/v1/buckets/${bucket}/delete`, headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ keys }) });
    if (res.statusCode !== 200) throw new Error(`batch delete ${res.statusCode} ${await res.body.text()}`);
    await res.body.dump();
  }
  const recorded = performance.now();
  const deliveredDuringRecording = receiver.count() - before;
  await receiver.waitFor(before + total);
  const done = performance.now();
  return {
    events: total,
    recordMs: Math.round(recorded - t0),
    deliveredDuringRecording,
    eventsPerSecond: Math.round(total / ((done - t0) / 1000)),
  };
}

/**
 * Delivery alone: the subscription's events of [since, until) queued again at once (POST …/replay, one
 * request), then delivered. The rate runs from the replay's answer (all queued) to the last receipt.
 */
export async function replayBurst(http: Pool, auth: Record<string, string>, hookId: string, receiver: EventReceiver, since: string, until: string) {
  const before = receiver.count();
  const t0 = performance.now();
  const res = await http.request({ method: 'POST', path: `/v1/webhooks/${hookId}/replay`, headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ since, until }) });
  const { count } = (await res.body.json()) as { count: number };
  if (res.statusCode !== 202) throw new Error(`replay ${res.statusCode}`);
  const queued = performance.now();
  await receiver.waitFor(before + count);
  const done = performance.now();
  return { events: count, queueMs: Math.round(queued - t0), eventsPerSecond: Math.round(count / ((done - queued) / 1000)) };
}

/**
 * The same replay to a broker: a subscription made for it (so it takes no part in the other phases),
 * its events of [since, until) queued at once, and the rate from the replay's answer until the
 * broker's consumer has them all.
 */
export async function brokerReplay(http: Pool, auth: Record<string, string>, consumer: BrokerConsumer, prefix: string, since: string, until: string) {
  const hook = await subscribe(http, auth, consumer.url, prefix, consumer.destination);
  try {
    const before = await consumer.count();
    const res = await http.request({ method: 'POST', path: `/v1/webhooks/${hook}/replay`, headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ since, until }) });
    const { count } = (await res.body.json()) as { count: number };
    if (res.statusCode !== 202) throw new Error(`replay ${res.statusCode}`);
    const queued = performance.now();
    const end = queued + 120_000;
    while ((await consumer.count()) < before + count) {
      if (performance.now() > end) throw new Error(`only ${(await consumer.count()) - before} of ${count} events reached the broker within 120 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return { events: count, eventsPerSecond: Math.round(count / ((performance.now() - queued) / 1000)) };
  } finally {
    await unsubscribe(http, auth, hook);
  }
}

/**
 * Writes at a fixed rate (open loop: a write starts on schedule whether or not earlier ones have
 * answered), each a 1-byte PUT whose event the receiver gets; the delay from each PUT's 201 to the
 * receipt of its event. Reports the rate achieved and the delay's quantiles.
 */
export async function steadyWrites(http: Pool, auth: Record<string, string>, bucket: string, receiver: EventReceiver, prefix: string, perSecond: number, count: number) {
  const acked: { key: string; at: number }[] = [];
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  let failures = 0;
  const failed: Record<string, number> = {};
  let firstFailure = '';
  for (let i = 0; i < count; ) {
    const due = Math.min(count, Math.floor(((performance.now() - t0) / 1000) * perSecond) + 1);
    for (; i < due; i++) {
      const key = `${prefix}${i}`;
      pending.push(
        http.request({ method: 'PUT', path: `/v1/buckets/${bucket}/objects/${key}`, headers: auth, body: 'e' }).then(async (res) => {
          if (res.statusCode === 201) {
            await res.body.dump();
            acked.push({ key, at: now() });
          } else {
            failures++;
            failed[res.statusCode] = (failed[res.statusCode] ?? 0) + 1;
            const text = await res.body.text();
            firstFailure ||= `${res.statusCode} ${text.slice(0, 300)}`;
          }
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  const seconds = (performance.now() - t0) / 1000;
  if (acked.length === 0) throw new Error(`none of ${count} PUTs was answered 201 (${JSON.stringify(failed)}; first: ${firstFailure})`);
  // Every acknowledged write's event must arrive.
  for (let waited = 0; acked.some((a) => receiver.at('s3:ObjectCreated:Put', a.key) === undefined); waited += 10) {
    if (waited > 120_000) throw new Error('events of acknowledged writes did not arrive within 120 s');
    await new Promise((r) => setTimeout(r, 10));
  }
  const delays = acked.map((a) => Math.max(0, receiver.at('s3:ObjectCreated:Put', a.key)! - a.at)).sort((a, b) => a - b);
  const q = (p: number) => Number(delays[Math.min(delays.length - 1, Math.floor(p * delays.length))].toFixed(1));
  return {
    writes: count,
    failures,
    ...(failures && { failedStatuses: failed, firstFailure }),
    targetPerSecond: perSecond,
    achievedPerSecond: Math.round(count / seconds),
    delayP50ms: q(0.5),
    delayP99ms: q(0.99),
    delayMaxMs: q(1),
  };
}
