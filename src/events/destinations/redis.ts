import { Redis } from 'ioredis';
import { DEFAULTS, fill } from '../../model/destination.js';
import { readBudget, type Connection, type ReadBudget } from './pool.js';
import type { Publisher } from './target.js';

interface RedisConn extends Connection {
  redis: Redis;
  budget: ReadBudget;
}

/**
 * Redis Streams: one XADD per event, the stream trimmed to about `maxLen` entries, the entry's fields
 * the message's (id, type, content type, the signature headers, the body). Done when Redis answers.
 */
export const redis: Publisher<RedisConn> = {
  key: (t) => `${t.url.protocol}//${t.url.username}@${t.url.host}${t.url.pathname}`,

  async open(t, timeoutMs) {
    const db = Number(t.url.pathname.slice(1) || 0);
    const username = t.settings.username ?? (decodeURIComponent(t.url.username) || undefined);
    const r = new Redis({
      host: t.address,
      port: Number(t.url.port) || 6379,
      ...(username !== undefined && { username }),
      ...(t.secrets.password !== undefined && { password: t.secrets.password }),
      db: Number.isSafeInteger(db) ? db : 0,
      ...(t.url.protocol === 'rediss:' && { tls: { servername: t.url.hostname } }),
      lazyConnect: true,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      // The dispatcher retries; a command is never queued for a connection that is down.
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      // No INFO before the first command: XADD tells soon enough whether the server is ready.
      enableReadyCheck: false,
      retryStrategy: () => null,
      connectionName: `s3gate-${t.tenant}`.replace(/[^\w.-]/g, '_'),
    });
    r.on('error', () => {});
    // Counted from the first byte (a hostile server could answer the handshake with a huge reply too).
    let budget: ReturnType<typeof readBudget> | undefined;
    r.once('connect', () => (budget = readBudget(r.stream)));
    await r.connect().catch((err: unknown) => {
      throw budget?.explain(err) ?? err;
    });
    return {
      redis: r,
      budget: budget ?? readBudget(r.stream),
      usable: () => r.status === 'ready',
      close: () =>
        r.quit().then(
          () => {},
          () => r.disconnect(),
        ),
    };
  },

  async publish(c, t, e, m) {
    const stream = fill(t.settings.stream ?? DEFAULTS.stream, 'redis', e);
    const fields = ['id', m.id, 'type', e.type, 'content-type', m.contentType, ...Object.entries(m.headers).flat(), 'body', m.body];
    c.budget.published();
    await c.redis.xadd(stream, 'MAXLEN', '~', String(t.settings.maxLen ?? DEFAULTS.maxLen), '*', ...fields).catch((err: unknown) => {
      throw c.budget.explain(err);
    });
  },
};
