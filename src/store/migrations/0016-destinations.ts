import type { Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * A subscription's destination beyond webhooks (AMQP, NATS JetStream, MQTT, Redis Streams): its kind,
 * the body's format, its settings, and its sealed secrets. Existing rows are webhooks sending JSON.
 */
export const destinations: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable('webhooks')
      .addColumn('kind', 'text', (c) => c.notNull().defaultTo('webhook'))
      .execute();
    await db.schema
      .alterTable('webhooks')
      .addColumn('format', 'text', (c) => c.notNull().defaultTo('json'))
      .execute();
    await db.schema
      .alterTable('webhooks')
      .addColumn('destination', 'text', (c) => c.notNull().defaultTo('{}'))
      .execute();
    await db.schema.alterTable('webhooks').addColumn('credentials', 'text').execute();
  },
};
