import { createHash } from 'node:crypto';
import type { Destination, DestinationKind, DestinationSecrets, EventFormat } from '../../model/destination.js';
import type { ObjectEvent } from '../../model/event.js';
import type { SecretBox } from '../../lib/secretbox.js';
import type { WebhookRow } from '../../store/schema.js';
import type { SendResult, WebhookSender } from '../sender.js';
import { amqp } from './amqp.js';
import { messageOf } from './message.js';
import { mqtt } from './mqtt.js';
import { nats } from './nats.js';
import { BrokerPool, guardedAddress, within, type Connection } from './pool.js';
import { redis } from './redis.js';
import type { BrokerTarget, Publisher } from './target.js';

/**
 * The AMQP, NATS and MQTT publishers import their broker's client in open(), on their first connection:
 * a gateway with no subscription of that kind does not load it (1–6 MiB of code each at idle).
 */
const PUBLISHERS: Record<Exclude<DestinationKind, 'webhook'>, Publisher<Connection>> = { amqp, nats, mqtt, redis };

/** A subscription as a destination needs it (a row of the webhooks table). */
export type Subscription = Pick<WebhookRow, 'id' | 'tenant_id' | 'url' | 'kind' | 'format' | 'destination' | 'credentials' | 'updated_at'>;

/** Broker subscriptions' parsed targets kept (see #target). */
const TARGETS_KEPT = 10_000;

interface Target {
  publisher: Publisher<Connection>;
  base: Omit<BrokerTarget, 'address' | 'guard'>;
  key: string;
  guard: (host: string) => Promise<string>;
}

/**
 * Sends an event to a subscription's destination, whatever its kind: a signed webhook through the
 * webhook sender, or a publish to a broker through a bounded pool of connections per tenant and kind
 * (see BrokerPool). Every attempt ends within the timeout with a SendResult, as a webhook's does; a
 * broker's has no HTTP status.
 */
export class Destinations {
  readonly #pools = new Map<string, BrokerPool<Connection>>();
  readonly #targets = new Map<string, Target>();

  constructor(
    private readonly opts: {
      box: SecretBox;
      webhooks: WebhookSender;
      timeoutMs: number;
      allowPrivate: boolean;
      /** Broker connections a tenant may hold per kind, and all tenants in all (per kind). */
      perTenant?: number;
      total?: number;
      idleMs?: number;
    },
  ) {}

  #pool(kind: string): BrokerPool<Connection> {
    let pool = this.#pools.get(kind);
    if (!pool) {
      pool = new BrokerPool({ perTenant: this.opts.perTenant ?? 8, total: this.opts.total ?? 1000, idleMs: this.opts.idleMs ?? 60_000 });
      this.#pools.set(kind, pool);
    }
    return pool;
  }

  /** Connections open now, per kind (for tests and metrics). */
  connections(kind: string): number {
    return this.#pools.get(kind)?.size ?? 0;
  }

  async send(sub: Subscription, secrets: string[], event: ObjectEvent): Promise<SendResult> {
    const kind = sub.kind as DestinationKind;
    const message = messageOf(event, sub.format as EventFormat, secrets, { binary: kind === 'webhook' });
    if (kind === 'webhook') return this.opts.webhooks.send(sub.url, message);
    const start = performance.now();
    const pool = this.#pool(kind);
    const timeoutMs = this.opts.timeoutMs;
    try {
      const { publisher, base, guard, key } = this.#target(sub);
      const connection = await pool.get(sub.tenant_id, key, async () => publisher.open({ ...base, guard, address: await guard(base.url.hostname) }, timeoutMs), timeoutMs);
      const remaining = Math.max(1, timeoutMs - (performance.now() - start));
      await within(remaining, `publishing to ${base.url.host}`, publisher.publish(connection, { ...base, guard, address: '' }, event, message)).catch((err) => {
        // A publish with no answer leaves the connection in doubt: the next delivery opens another.
        if ((err as { code?: string }).code === 'S3GATE_TIMEOUT') pool.discard(sub.tenant_id, key);
        throw err;
      });
      return { ok: true, status: null, durationMs: Math.round(performance.now() - start), error: null, excerpt: null };
    } catch (err) {
      return { ok: false, status: null, durationMs: Math.round(performance.now() - start), error: describe(err), excerpt: null };
    }
  }

  /**
   * A subscription's broker as the publishers take it, parsed (URL, settings, opened secrets) once per
   * version of the subscription, not per delivery: a burst sends to the same few over and over.
   */
  #target(sub: Subscription): Target {
    const id = `${sub.id}\n${sub.updated_at}`;
    let target = this.#targets.get(id);
    if (!target) {
      const publisher = PUBLISHERS[sub.kind as Exclude<DestinationKind, 'webhook'>];
      const base = {
        tenant: sub.tenant_id,
        url: new URL(sub.url),
        settings: JSON.parse(sub.destination) as Destination,
        secrets: sub.credentials ? (JSON.parse(this.opts.box.open(sub.credentials)) as DestinationSecrets) : {},
      };
      // Secrets name the connection too: a subscription whose password changed does not reuse the old login.
      const key = `${publisher.key(base)}#${createHash('sha256').update(JSON.stringify(base.secrets)).digest('hex').slice(0, 16)}`;
      target = { publisher, base, key, guard: (host: string) => guardedAddress(host, this.opts.allowPrivate) };
      if (this.#targets.size >= TARGETS_KEPT) this.#targets.delete(this.#targets.keys().next().value!);
      this.#targets.set(id, target);
    }
    return target;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#pools.values()].map((p) => p.close()));
    this.#pools.clear();
  }
}

function describe(err: unknown): string {
  const e = err as Error & { code?: string; errors?: Error[] };
  // Node's AggregateError (every address refused) has an empty message.
  const message = e?.message || e?.errors?.map((x) => x.message).join('; ') || e?.code || String(err);
  return message.slice(0, 500);
}
