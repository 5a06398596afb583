import { randomBytes } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { DEFAULTS, fill } from '../../model/destination.js';
import { readBudget, type Connection, type ReadBudget } from './pool.js';
import type { Publisher } from './target.js';

interface MqttConn extends Connection {
  client: MqttClient;
  version: 4 | 5;
  budget: ReadBudget;
}

/**
 * MQTT 3.1.1 or 5: QoS 1 publishes, done when the broker's PUBACK arrives. On MQTT 5 the message id,
 * timestamp, signature and content type travel as properties; MQTT 3.1.1 has nowhere to put them but the
 * body (a CloudEvent carries its id there).
 */
export const mqtt: Publisher<MqttConn> = {
  key: (t) => `${t.url.protocol}//${t.url.username}@${t.url.host}#${t.settings.mqttVersion ?? DEFAULTS.mqttVersion}`,

  async open(t, timeoutMs) {
    // Loaded on the first connection, not with the gateway (see PUBLISHERS).
    const { connect } = await import('mqtt');
    const version = (t.settings.mqttVersion ?? DEFAULTS.mqttVersion) === 4 ? 4 : 5;
    const tls = t.url.protocol === 'mqtts:';
    const username = t.settings.username ?? (decodeURIComponent(t.url.username) || undefined);
    const client = connect({
      protocol: tls ? 'mqtts' : 'mqtt',
      host: t.address,
      port: Number(t.url.port) || (tls ? 8883 : 1883),
      ...(tls && { servername: t.url.hostname }),
      ...(username !== undefined && { username, password: t.secrets.password }),
      protocolVersion: version,
      clientId: `s3gate-${randomBytes(8).toString('hex')}`,
      clean: true,
      connectTimeout: timeoutMs,
      // The pool replaces a connection that drops; the client does not reconnect in the background.
      reconnectPeriod: 0,
      // MQTT 5: the broker may send no packet larger than this (a PUBACK is a few bytes).
      ...(version === 5 && { properties: { maximumPacketSize: 64 * 1024 } }),
    });
    // Counted from the first byte: a hostile broker could answer the handshake with a huge packet too.
    const budget = readBudget(client.stream as unknown as Parameters<typeof readBudget>[0]);
    await new Promise<void>((resolve, reject) => {
      const failed = (err?: Error) => {
        done();
        client.end(true);
        reject(budget.explain(err ?? new Error('the broker closed the connection before accepting it')));
      };
      const closed = () => failed();
      const connected = () => (done(), resolve());
      const done = () => {
        client.off('connect', connected);
        client.off('error', failed);
        client.off('close', closed);
      };
      client.on('connect', connected);
      client.on('error', failed);
      client.on('close', closed);
    });
    client.on('error', () => {});
    return { client, version, budget, usable: () => client.connected && !client.disconnecting, close: () => client.endAsync(true).catch(() => {}) };
  },

  async publish(c, t, e, m) {
    const topic = fill(t.settings.topic ?? DEFAULTS.topic, 'mqtt', e);
    c.budget.published();
    await c.client
      .publishAsync(topic, m.body, {
        qos: 1,
        ...(c.version === 5 && { properties: { contentType: m.contentType, userProperties: m.headers } }),
      })
      .catch((err: unknown) => {
        throw c.budget.explain(err);
      });
  },
};
