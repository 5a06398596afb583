import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { DEFAULTS, fill } from '../../model/destination.js';
import type { Connection } from './pool.js';
import type { Publisher } from './target.js';

interface AmqpConnection extends Connection {
  channel: ConfirmChannel;
  /** Message ids the broker returned as unroutable (mandatory publish), until their confirm arrives. */
  returned: Set<string>;
}

/**
 * AMQP 0-9-1 (RabbitMQ): a confirm channel per connection; persistent, mandatory messages whose
 * message-id is the event id. A publish succeeds when the broker confirms it and did not return it as
 * unroutable (no queue bound for its routing key: the delivery fails and is retried, so nothing is
 * dropped on the floor).
 */
export const amqp: Publisher<AmqpConnection> = {
  key: (t) => `${t.url.protocol}//${t.url.username}@${t.url.host}${t.url.pathname}`,

  async open(t, timeoutMs) {
    // Loaded on the first connection, not with the gateway (see PUBLISHERS).
    const { connect } = await import('amqplib');
    const tls = t.url.protocol === 'amqps:';
    const vhost = decodeURIComponent(t.url.pathname.slice(1)) || '/';
    const model: ChannelModel = await connect(
      {
        protocol: tls ? 'amqps' : 'amqp',
        hostname: t.address,
        port: Number(t.url.port) || (tls ? 5671 : 5672),
        username: t.settings.username ?? (decodeURIComponent(t.url.username) || 'guest'),
        password: t.secrets.password ?? 'guest',
        vhost,
        heartbeat: 30,
      },
      { timeout: timeoutMs, servername: t.url.hostname, clientProperties: { connection_name: `s3gate ${t.tenant}` } },
    );
    let open = true;
    model.on('error', () => {});
    model.on('close', () => (open = false));
    const channel = await model.createConfirmChannel();
    const returned = new Set<string>();
    channel.on('return', (msg) => {
      if (msg.properties.messageId) returned.add(String(msg.properties.messageId));
    });
    // A channel the broker closes (an exchange that does not exist) takes its connection with it here.
    channel.on('error', () => {});
    channel.on('close', () => {
      open = false;
      model.close().catch(() => {});
    });
    return {
      channel,
      returned,
      usable: () => open,
      close: () => model.close().catch(() => {}),
    };
  },

  publish(c, t, e, m) {
    const exchange = t.settings.exchange ?? DEFAULTS.exchange;
    const routingKey = fill(t.settings.routingKey ?? DEFAULTS.routingKey, 'amqp', e);
    return new Promise<void>((resolve, reject) => {
      c.channel.publish(
        exchange,
        routingKey,
        Buffer.from(m.body),
        { persistent: true, mandatory: true, messageId: m.id, contentType: m.contentType, type: e.type, timestamp: Math.floor(Date.parse(e.timestamp) / 1000), headers: m.headers },
        (err) => {
          const unroutable = c.returned.delete(m.id);
          if (err) reject(new Error(`the broker refused the message: ${String(err?.message ?? err)}`));
          else if (unroutable) reject(new Error(`no queue is bound to exchange '${exchange}' for routing key '${routingKey}': the message was returned`));
          else resolve();
        },
      );
    });
  },
};
