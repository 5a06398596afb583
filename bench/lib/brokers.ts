// Broker consumers for the benchmark: each counts what arrives for one subscription, with the broker's
// own client, as a service reading the queue would.
import { randomBytes } from 'node:crypto';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import { connect as amqpConnect } from 'amqplib';
import { connectAsync as mqttConnect } from 'mqtt';
import { Redis } from 'ioredis';

export const BROKER_KINDS = ['amqp', 'nats', 'mqtt', 'redis'] as const;
export type BrokerKind = (typeof BROKER_KINDS)[number];

export interface BrokerConsumer {
  /** The subscription's URL and destination settings. */
  url: string;
  destination: Record<string, unknown>;
  /** Messages arrived so far. */
  count(): Promise<number>;
  close(): Promise<void>;
}

/** A consumer of `kind` on this machine's broker, reading a subject of its own. */
export async function brokerConsumer(kind: BrokerKind): Promise<BrokerConsumer> {
  const run = randomBytes(4).toString('hex');
  if (kind === 'amqp') {
    const conn = await amqpConnect('amqp://guest:guest@127.0.0.1:5672');
    const ch = await conn.createChannel();
    const { queue } = await ch.assertQueue('', { exclusive: true });
    await ch.bindQueue(queue, 'amq.topic', `bench.${run}.#`);
    let n = 0;
    await ch.consume(queue, () => void n++, { noAck: true });
    return { url: 'amqp://guest:guest@127.0.0.1:5672/', destination: { routingKey: `bench.${run}.{bucket}` }, count: async () => n, close: () => conn.close() };
  }
  if (kind === 'nats') {
    const nc = await natsConnect({ servers: '127.0.0.1:4222' });
    const jsm: JetStreamManager = await jetstreamManager(nc);
    const stream = `BENCH_${run}`;
    await jsm.streams.add({ name: stream, subjects: [`bench.${run}.>`] });
    return {
      url: 'nats://127.0.0.1:4222',
      destination: { subject: `bench.${run}.{bucket}` },
      count: async () => (await jsm.streams.info(stream)).state.messages,
      close: async () => {
        await jsm.streams.delete(stream).catch(() => {});
        await nc.close();
      },
    };
  }
  if (kind === 'mqtt') {
    const client = await mqttConnect('mqtt://127.0.0.1:1883', { protocolVersion: 5 });
    let n = 0;
    client.on('message', () => void n++);
    await client.subscribeAsync(`bench/${run}/#`, { qos: 1 });
    return { url: 'mqtt://127.0.0.1:1883', destination: { topic: `bench/${run}/{bucket}` }, count: async () => n, close: () => client.endAsync() };
  }
  const r = new Redis({ host: '127.0.0.1', port: 6379 });
  const stream = `bench:${run}`;
  return {
    url: 'redis://127.0.0.1:6379',
    destination: { stream },
    count: () => r.xlen(stream),
    close: async () => {
      await r.del(stream);
      r.disconnect();
    },
  };
}
