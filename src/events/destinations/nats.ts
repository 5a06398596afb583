import type { JetStreamClient } from '@nats-io/jetstream';
import type { MsgHdrs, NatsConnection } from '@nats-io/transport-node';
import { DEFAULTS, fill } from '../../model/destination.js';
import { readBudget, type Connection, type ReadBudget } from './pool.js';
import type { Publisher } from './target.js';

interface NatsConn extends Connection {
  js: JetStreamClient;
  budget: ReadBudget;
  headers: () => MsgHdrs;
}

/**
 * NATS JetStream: an acknowledged publish whose Nats-Msg-Id is the event id, so a stream drops a
 * delivery sent again within its duplicate window (exactly once into the stream). A subject no stream
 * takes fails the delivery (no responders), to be retried.
 */
export const nats: Publisher<NatsConn> = {
  key: (t) => `${t.url.protocol}//${t.url.username}@${t.url.host},${(t.settings.servers ?? []).join(',')}`,

  async open(t, timeoutMs) {
    // Loaded on the first connection, not with the gateway (see PUBLISHERS).
    const [{ connect, headers }, { jetstream }] = await Promise.all([import('@nats-io/transport-node'), import('@nats-io/jetstream')]);
    const tls = t.url.protocol === 'tls:';
    const user = t.settings.username ?? (decodeURIComponent(t.url.username) || undefined);
    // Over TLS the client needs the name (its certificate is checked against it) and resolves it itself:
    // the address was checked a moment before (see guardedAddress); without TLS it connects to that address.
    const server = (hostname: string, address: string, port: number) => `${tls ? hostname : address.includes(':') ? `[${address}]` : address}:${port}`;
    // The cluster's other servers, each by the same address rules; one that is refused is left out.
    const others = await Promise.all(
      (t.settings.servers ?? []).map(async (s) => {
        const u = new URL(`nats://${s}`);
        const hostname = u.hostname.replace(/^\[|\]$/g, '');
        return t.guard(hostname).then(
          (address) => server(hostname, address, Number(u.port) || 4222),
          () => undefined,
        );
      }),
    );
    const nc: NatsConnection = await connect({
      servers: [server(t.url.hostname, t.address, Number(t.url.port) || 4222), ...others.filter((s): s is string => s !== undefined)],
      // Over several servers: try them in the order given, the URL's first; never the servers a server
      // advertises (they would pass no address rule).
      noRandomize: true,
      ignoreClusterUpdates: true,
      ...(user !== undefined && { user, pass: t.secrets.password }),
      ...(t.secrets.token !== undefined && { token: t.secrets.token }),
      ...(tls && { tls: {} }),
      timeout: timeoutMs,
      // A connection that drops is replaced by the pool on the next delivery, not retried in the background.
      reconnect: false,
      name: `s3gate ${t.tenant}`,
    });
    // The client's socket (not in its types): see readBudget.
    const socket = (nc as unknown as { protocol?: { transport?: { socket?: Parameters<typeof readBudget>[0] } } }).protocol?.transport?.socket;
    return {
      budget: readBudget(socket),
      js: jetstream(nc, { timeout: timeoutMs }),
      headers,
      usable: () => !nc.isClosed(),
      close: () => nc.close().catch(() => {}),
    };
  },

  async publish(c, t, e, m) {
    const h = c.headers();
    for (const [name, value] of Object.entries(m.headers)) h.set(name, value);
    h.set('content-type', m.contentType);
    const subject = fill(t.settings.subject ?? DEFAULTS.subject, 'nats', e);
    c.budget.published();
    try {
      await c.js.publish(subject, m.body, { msgID: m.id, headers: h, retries: 0 });
    } catch (caught) {
      const err = c.budget.explain(caught);
      const why = String((err as Error).message ?? err);
      throw new Error(/no responders/i.test(why) ? `no JetStream stream takes subject '${subject}'` : `JetStream refused the message: ${why}`);
    }
  },
};
