import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { connect as amqpConnect } from 'amqplib';
import { connectAsync as mqttConnect } from 'mqtt';
import { Redis } from 'ioredis';
import t, { type Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { bearer, createTenant, tempDir, testApp } from '../helpers/app.js';
import { brokerUp } from '../helpers/brokers.js';
import { cutProxy } from '../helpers/cut-proxy.js';
import { eventIds } from '../helpers/events.js';
import { apiKey, gatewayProcess } from '../helpers/process.js';
import { until } from '../helpers/stall.js';

/**
 * Brokers that go away and come back, a gateway killed with deliveries pending, and a tenant whose
 * broker never answers. The brokers are the machine's shared services (other tests use them at the
 * same time), so a broker's outage is made in front of it: a TCP proxy that cuts every connection and
 * refuses new ones, then lets them through again, as a stopped and restarted broker looks to its clients.
 */
const WRITES = Number(process.env.S3GATE_DESTINATION_FAULT_WRITES ?? 400);

const config = (timeoutMs = 1000) => ({
  webhooks: {
    allowPrivate: true,
    timeoutMs,
    // Retried every 200 ms for about 6 s: longer than the outage.
    retrySchedule: Array.from({ length: 30 }, () => 200),
    disableAfterMs: 600_000,
    concurrency: 64,
    endpointConcurrency: 8,
    pollMs: 50,
    retentionMs: 3_600_000,
    deliveryRetentionMs: 3_600_000,
    retentionIntervalMs: 3_600_000,
  },
});

/** A consumer of the broker's own client, reading what arrives for `tenant`, by event id. */
interface Consumer {
  ids: () => Map<string, number>;
}

async function consume(t: Test, kind: string, tenant: string): Promise<Consumer> {
  const seen = new Map<string, number>();
  const add = (id: string) => seen.set(id, (seen.get(id) ?? 0) + 1);
  if (kind === 'amqp') {
    const conn = await amqpConnect('amqp://guest:guest@127.0.0.1:5672');
    t.teardown(() => conn.close());
    const ch = await conn.createChannel();
    const { queue } = await ch.assertQueue('', { exclusive: true });
    await ch.bindQueue(queue, 'amq.topic', `s3gate.${tenant}.#`);
    await ch.consume(queue, (m) => m && (add(String(m.properties.messageId)), ch.ack(m)));
  } else if (kind === 'nats') {
    const nc = await natsConnect({ servers: '127.0.0.1:4222' });
    t.teardown(() => nc.close());
    const jsm = await jetstreamManager(nc);
    const stream = `S3GATE_${tenant.replace(/-/g, '_')}`;
    await jsm.streams.add({ name: stream, subjects: [`s3gate.${tenant}.>`] });
    t.teardown(() => jsm.streams.delete(stream).catch(() => {}));
    // Reads the stream's messages by sequence, so a duplicate stored twice would show.
    let next = 1;
    let busy = false;
    const poll = setInterval(async () => {
      if (busy) return;
      busy = true;
      for (;;) {
        const m = await jsm.streams.getMessage(stream, { seq: next }).catch(() => null);
        if (!m) break;
        add(m.header.get('Nats-Msg-Id'));
        next++;
      }
      busy = false;
    }, 100);
    t.teardown(() => clearInterval(poll));
  } else if (kind === 'mqtt') {
    const client = await mqttConnect('mqtt://127.0.0.1:1883', { protocolVersion: 5 });
    t.teardown(() => client.endAsync());
    client.on('message', (_t, _p, packet) => add(String((packet.properties?.userProperties as Record<string, string> | undefined)?.['webhook-id'])));
    await client.subscribeAsync(`s3gate/${tenant}/#`, { qos: 1 });
  } else {
    const r = new Redis({ host: '127.0.0.1', port: 6379 });
    let last = '0';
    let busy = false;
    const poll = setInterval(async () => {
      if (busy) return;
      busy = true;
      const entries = await r.xrange(`s3gate:${tenant}`, `(${last}`, '+').catch(() => []);
      for (const [id, fields] of entries) {
        add(fields[fields.indexOf('id') + 1]);
        last = id;
      }
      busy = false;
    }, 100);
    t.teardown(async () => {
      clearInterval(poll);
      await r.del(`s3gate:${tenant}`);
      r.disconnect();
    });
  }
  return { ids: () => seen };
}

const BROKERS = [
  ['amqp', 'RabbitMQ', 5672, (port: number) => `amqp://guest:guest@127.0.0.1:${port}/`],
  ['nats', 'NATS', 4222, (port: number) => `nats://127.0.0.1:${port}`],
  ['mqtt', 'Mosquitto', 1883, (port: number) => `mqtt://127.0.0.1:${port}`],
  ['redis', 'Redis', 6379, (port: number) => `redis://127.0.0.1:${port}`],
] as const;

async function writeAll(app: FastifyInstance, h: Record<string, string>, from: number, to: number) {
  for (let i = from; i < to; i++) {
    const res = await app.inject({ method: 'PUT', url: `/v1/buckets/faults/objects/k${i}`, headers: h, payload: `v${i}` });
    if (res.statusCode !== 201) throw new Error(`PUT ${i}: ${res.statusCode}`);
  }
}

for (const [kind, name, port, urlOf] of BROKERS) {
  t.test(`${name} stopped mid-run and started again: nothing lost`, async (t) => {
    if (!(await brokerUp(t, name, port))) return;
    const tenant = `out-${kind}-${randomBytes(3).toString('hex')}`;
    const app = await testApp(t, { config: config() });
    const h = bearer(await createTenant(app, { id: tenant, driver: 'disk' }));
    await app.inject({ method: 'PUT', url: '/v1/buckets/faults', headers: h });
    const consumer = await consume(t, kind, tenant);
    const proxy = await cutProxy(t, port);
    const created = await app.inject({ method: 'POST', url: '/v1/webhooks', headers: h, payload: { url: urlOf(proxy.port), events: ['s3:ObjectCreated:*'] } });
    t.equal(created.statusCode, 201);
    await writeAll(app, h, 0, WRITES / 2);
    proxy.down();
    await writeAll(app, h, WRITES / 2, WRITES);
    // Down for a second, while deliveries fail and are scheduled again.
    await new Promise((r) => setTimeout(r, 1000));
    const failing = (await app.inject({ method: 'GET', url: `/v1/webhooks/${created.json().id}/deliveries?status=failed&limit=1`, headers: h })).json().deliveries;
    t.ok(failing.length > 0, 'deliveries failed while the broker was away');
    proxy.up();
    const ids = await eventIds(app, h);
    t.equal(ids.length, WRITES);
    await until(() => ids.every((id) => consumer.ids().has(id)), 60_000, `every event at ${name}`);
    t.same(
      ids.filter((id) => !consumer.ids().has(id)),
      [],
      'every event arrived',
    );
    if (kind === 'nats') {
      // JetStream keeps one of each: a publish whose acknowledgement was cut is dropped as a duplicate.
      await new Promise((r) => setTimeout(r, 300));
      t.same(
        [...consumer.ids()].filter(([, n]) => n > 1),
        [],
        'each event once in the stream',
      );
    }
  });
}

t.test('kill -9 of the gateway with broker deliveries pending: the next start publishes them', async (t) => {
  if (!(await brokerUp(t, 'Redis', 6379))) return;
  const proxy = await cutProxy(t, 6379);
  proxy.down();
  const dataDir = join(tempDir(t), 'data');
  // Attempts a second apart, 30 of them: the deliveries must still be pending when the gateway is killed.
  // With the helper's ten of 0.1 s, a slow machine spent them all (dead, as it should be) while the 50 PUTs ran.
  const env = { S3GATE_WEBHOOK_RETRY_SCHEDULE: Array.from({ length: 30 }, () => '1').join(',') };
  const first = await gatewayProcess(t, dataDir, env);
  const h = { ...bearer(apiKey), 'content-type': 'application/json' };
  const tenant = 'dur';
  const stream = `s3gate:${tenant}:${randomBytes(3).toString('hex')}`;
  const sub = await fetch(`${first.base}/v1/webhooks`, {
    method: 'POST',
    headers: h,
    body: JSON.stringify({ url: `redis://127.0.0.1:${proxy.port}`, events: ['s3:ObjectCreated:*'], destination: { stream } }),
  });
  t.equal(sub.status, 201);
  await fetch(`${first.base}/v1/buckets/durable`, { method: 'PUT', headers: bearer(apiKey) });
  const statuses: number[] = [];
  for (let i = 0; i < 50; i++) statuses.push((await fetch(`${first.base}/v1/buckets/durable/objects/k${i}`, { method: 'PUT', headers: bearer(apiKey), body: `v${i}` })).status);
  t.same(new Set(statuses), new Set([201]), 'every write answered 201');
  const log = (await (await fetch(`${first.base}/v1/events?limit=100`, { headers: bearer(apiKey) })).json()) as { events: { id: string }[] };
  t.equal(log.events.length, 50, 'every acknowledged write has its event');
  first.child.kill('SIGKILL');
  await new Promise((r) => first.child.once('exit', r));

  proxy.up();
  await gatewayProcess(t, dataDir, env);
  const r = new Redis({ host: '127.0.0.1', port: 6379 });
  t.teardown(async () => {
    await r.del(stream);
    r.disconnect();
  });
  const got = new Set<string>();
  await until(
    async () => {
      for (const [, f] of await r.xrange(stream, '-', '+')) got.add(f[f.indexOf('id') + 1]);
      return log.events.every((e) => got.has(e.id));
    },
    30_000,
    'all 50 events after the restart',
  );
  t.same(
    log.events.filter((e) => !got.has(e.id)).map((e) => e.id),
    [],
    'none lost',
  );
});

t.test("one tenant's broker that never answers does not hold another tenant's deliveries", async (t) => {
  if (!(await brokerUp(t, 'Redis', 6379))) return;
  // Accepts connections and never says a word: every attempt of its tenant waits out the timeout.
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((s) => void sockets.add(s.on('error', () => {})));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });
  const app = await testApp(t, { config: config(8000) });
  const stuck = bearer(await createTenant(app, { id: `stuck-${randomBytes(3).toString('hex')}`, driver: 'disk' }));
  const tenant = `fine-${randomBytes(3).toString('hex')}`;
  const fine = bearer(await createTenant(app, { id: tenant, driver: 'disk' }));
  for (const [h, url] of [
    [stuck, `redis://127.0.0.1:${(silent.address() as net.AddressInfo).port}`],
    [fine, 'redis://127.0.0.1:6379'],
  ] as const) {
    await app.inject({ method: 'PUT', url: '/v1/buckets/faults', headers: h });
    t.equal((await app.inject({ method: 'POST', url: '/v1/webhooks', headers: h, payload: { url, events: ['s3:ObjectCreated:*'] } })).statusCode, 201);
  }
  const consumer = await consume(t, 'redis', tenant);
  // The stuck tenant writes first, so its deliveries are due first and hold their slots.
  await writeAll(app, stuck, 0, 100);
  await writeAll(app, fine, 0, 200);
  const ids = await eventIds(app, fine);
  await until(() => ids.every((id) => consumer.ids().has(id)), 15_000, "the other tenant's 200 events");
  t.equal(ids.filter((id) => consumer.ids().has(id)).length, 200, 'every event of the other tenant arrived');
  const hooks = (await app.inject({ method: 'GET', url: '/v1/webhooks', headers: stuck })).json().webhooks;
  const tried = (await app.inject({ method: 'GET', url: `/v1/webhooks/${hooks[0].id}/deliveries?status=failed`, headers: stuck })).json().deliveries;
  t.equal(tried.length, 0, "meanwhile the silent broker's first attempts are still waiting out their 8 s");
  t.ok(sockets.size <= 8, `the silent broker holds at most its tenant's share of connections (${sockets.size})`);
});

t.test('a hostile broker that answers with a gigabyte is cut off: the gateway holds at most a MiB of it', async (t) => {
  // Speaks Redis's protocol just enough: every command gets the start of a 1 GiB reply, then bytes as fast as they go.
  let written = 0;
  let closedAfter = -1;
  const junk = Buffer.alloc(64 * 1024, 0x61);
  const hostile = net.createServer((s) => {
    s.on('error', () => {});
    s.on('close', () => (closedAfter = written));
    s.once('data', () => {
      s.write('$1073741824\r\n');
      const pump = () => {
        while (!s.destroyed && written < 1024 * 1024 * 1024) {
          written += junk.length;
          if (!s.write(junk)) return void s.once('drain', pump);
        }
      };
      pump();
    });
  });
  await new Promise<void>((r) => hostile.listen(0, '127.0.0.1', r));
  t.teardown(() => hostile.close());
  const app = await testApp(t, { config: config(10_000) });
  const h = bearer(await createTenant(app, { id: `hostile-${randomBytes(3).toString('hex')}`, driver: 'disk' }));
  const url = `redis://127.0.0.1:${(hostile.address() as net.AddressInfo).port}`;
  const sub = (await app.inject({ method: 'POST', url: '/v1/webhooks', headers: h, payload: { url, events: ['*'] } })).json() as { id: string };
  const result = (await app.inject({ method: 'POST', url: `/v1/webhooks/${sub.id}/test`, headers: h })).json() as { ok: boolean; error: string };
  t.match(result, { ok: false, error: /the broker sent far more than answers to what was published/ });
  await until(() => closedAfter >= 0, 10_000, 'the hostile connection to close');
  t.ok(closedAfter < 64 * 1024 * 1024, `the connection was closed after ${Math.round(closedAfter / 1024 / 1024)} MiB sent (of 1 GiB; the rest in kernel buffers)`);
});
