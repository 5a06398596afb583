import { randomBytes } from 'node:crypto';
import { connectAsync, type MqttClient } from 'mqtt';
import { DEFAULTS, fill } from '../../model/destination.js';
import type { Connection } from './pool.js';
import type { Publisher } from './target.js';

interface MqttConn extends Connection {
  client: MqttClient;
  version: 4 | 5;
}

/**
 * MQTT 3.1.1 or 5: QoS 1 publishes, done when the broker's PUBACK arrives. On MQTT 5 the message id,
 * timestamp, signature and content type travel as properties; MQTT 3.1.1 has nowhere to put them but the
 * body (a CloudEvent carries its id there).
 */
export const mqtt: Publisher<MqttConn> = {
  key: (t) => `${t.url.protocol}//${t.url.username}@${t.url.host}#${t.settings.mqttVersion ?? DEFAULTS.mqttVersion}`,

  async open(t, timeoutMs) {
    const version = (t.settings.mqttVersion ?? DEFAULTS.mqttVersion) === 4 ? 4 : 5;
    const tls = t.url.protocol === 'mqtts:';
    const username = t.settings.username ?? (decodeURIComponent(t.url.username) || undefined);
    const client = await connectAsync({
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
    });
    client.on('error', () => {});
    return { client, version, usable: () => client.connected && !client.disconnecting, close: () => client.endAsync(true).catch(() => {}) };
  },

  async publish(c, t, e, m) {
    const topic = fill(t.settings.topic ?? DEFAULTS.topic, 'mqtt', e);
    await c.client.publishAsync(topic, m.body, {
      qos: 1,
      ...(c.version === 5 && { properties: { contentType: m.contentType, userProperties: m.headers } }),
    });
  },
};
