import type { Command } from 'commander';
import { createClient as createWsClient } from 'graphql-ws';
import type { ObjectEvent } from '../../../clients/typescript/src/index.js';
import { collect, needKey, table, type Run } from './context.js';

/** Webhooks and their deliveries, and a live tail of events (API key) */
export function eventCommands(cli: Command, run: Run): void {
  // Webhooks.
  const webhooks = cli.command('webhooks').description('Webhook subscriptions and their deliveries');
  webhooks
    .command('create')
    .argument('<url>', 'where events go: http(s):// a webhook, amqp(s):// RabbitMQ, nats:// NATS JetStream, mqtt(s):// MQTT, redis(s):// a Redis stream')
    .option('--events <types...>', 'event types or families', ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'])
    .option('--bucket <bucket>')
    .option('--prefix <prefix>')
    .option('--suffix <suffix>')
    .option('--format <format>', 'json or cloudevents', 'json')
    .option('--exchange <name>', 'AMQP: the exchange (default amq.topic)')
    .option('--routing-key <template>', 'AMQP: the routing key, of {tenant} {bucket} {key} {type} {eventName}')
    .option('--subject <template>', 'NATS: the subject a JetStream stream takes')
    .option('--servers <hosts...>', "NATS: more servers of the cluster (host:port), beside the URL's")
    .option('--topic <template>', 'MQTT: the topic')
    .option('--mqtt-version <n>', 'MQTT: 4 (3.1.1) or 5')
    .option('--stream <template>', 'Redis: the stream key')
    .option('--max-len <n>', 'Redis: MAXLEN ~ of the stream')
    .option('--username <user>', 'the broker user (or in the URL)')
    .option('--description <text>')
    .description('Subscribe a URL or broker; the signing secret is shown once (a broker password goes in the URL: it is sealed, never shown again)')
    .action(
      run(async (ctx, url: string, opts: Record<string, string | string[] | undefined>) => {
        needKey(ctx);
        const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
        const filter = defined({ bucket: opts.bucket, prefix: opts.prefix, suffix: opts.suffix });
        const number = (v: unknown) => (v === undefined ? undefined : Number(v));
        const destination = defined({
          exchange: opts.exchange,
          routingKey: opts.routingKey,
          subject: opts.subject,
          servers: opts.servers,
          topic: opts.topic,
          mqttVersion: number(opts.mqttVersion),
          stream: opts.stream,
          maxLen: number(opts.maxLen),
          username: opts.username,
        });
        const hook = await ctx.client.webhooks.create({
          url,
          events: opts.events as string[],
          filter,
          format: opts.format as 'json' | 'cloudevents',
          ...(Object.keys(destination).length > 0 && { destination }),
          ...(opts.description && { description: opts.description as string }),
        });
        ctx.out(hook, `created ${hook.id} (${hook.kind}) → ${hook.url}\nsigning secret (shown once): ${hook.secret}`);
      }),
    );
  webhooks
    .command('list')
    .description('Every subscription')
    .action(
      run(async (ctx) => {
        needKey(ctx);
        const list = await collect(ctx.client.webhooks.list());
        ctx.out(list, table(list.map((w) => [w.id, w.kind, w.enabled ? 'enabled' : `disabled${w.disabledReason ? ` (${w.disabledReason})` : ''}`, w.events.join(','), w.url])));
      }),
    );
  webhooks
    .command('deliveries')
    .argument('<id>', 'subscription id')
    .option('--status <status>', 'pending, failed, delivered or dead')
    .option('--limit <n>', 'at most this many, newest first', '50')
    .description('Its deliveries, with their attempts')
    .action(
      run(async (ctx, id: string, opts: { status?: 'pending'; limit: string }) => {
        needKey(ctx);
        const list = await collect(ctx.client.webhooks.deliveries(id, { status: opts.status, pageSize: Math.min(1000, Number(opts.limit)) }), Number(opts.limit));
        ctx.out(list, table(list.map((d) => [d.id, d.status, `${d.attempts} attempt(s)`, d.lastStatus === null ? '-' : String(d.lastStatus), d.eventId])));
      }),
    );
  webhooks
    .command('retry')
    .argument('<id>', 'subscription id')
    .argument('<deliveryId>')
    .description('Deliver again now')
    .action(
      run(async (ctx, id: string, deliveryId: string) => {
        needKey(ctx);
        const r = await ctx.client.webhooks.retry(id, deliveryId);
        ctx.out(r, `${r.id} queued again`);
      }),
    );
  webhooks
    .command('replay')
    .argument('<id>', 'subscription id')
    .requiredOption('--since <time>', 'ISO 8601 time')
    .option('--until <time>', 'ISO 8601 time')
    .description('Send again every logged event since a time that the subscription matches')
    .action(
      run(async (ctx, id: string, opts: { since: string; until?: string }) => {
        needKey(ctx);
        const r = await ctx.client.webhooks.replay(id, { since: opts.since, ...(opts.until && { until: opts.until }) });
        ctx.out(r, `queued ${JSON.stringify(r)}`);
      }),
    );

  tailCommand(cli, run);
}

/** `events tail`: the tenant's events as they are recorded, from the moment it starts or an event id on. */
function tailCommand(cli: Command, run: Run): void {
  const events = cli.command('events').description('Object events');
  events
    .command('tail')
    .option('--bucket <bucket>')
    .option('--prefix <prefix>')
    .option('--types <types...>', 'event types or families')
    .option('--count <n>', 'stop after this many events')
    .option('--after <id>', 'first the recorded events after this event id (the last one a tail printed), then live')
    .option('--since <time>', 'first the recorded events since this ISO 8601 time, then live (default: the moment the command starts)')
    .description('Print events as they are recorded (GraphQL subscription over WebSocket) until interrupted; the event id ends each line')
    .action(
      run(async (ctx, opts: { bucket?: string; prefix?: string; types?: string[]; count?: string; after?: string; since?: string }) => {
        needKey(ctx);
        const limit = opts.count === undefined ? Infinity : Number(opts.count);
        // From the moment the command starts, not from when the server has taken the subscription:
        // what is recorded while it connects is printed too.
        const from = opts.after ? { after: opts.after } : { since: opts.since ?? new Date().toISOString() };
        const ws = createWsClient({ url: ctx.remote.url.replace(/^http/, 'ws') + '/graphql', connectionParams: { authorization: `Bearer ${ctx.remote.apiKey}` }, retryAttempts: 0 });
        const query =
          'subscription($bucket: String, $prefix: String, $types: [String!], $after: ID, $since: DateTime) { objectEvents(bucket: $bucket, prefix: $prefix, types: $types, after: $after, since: $since) { id type timestamp data { tenant bucket key size etag source } } }';
        let seen = 0;
        try {
          await new Promise<void>((resolve, reject) => {
            const stop = ws.subscribe<{ objectEvents: ObjectEvent }>(
              { query, variables: { bucket: opts.bucket, prefix: opts.prefix, types: opts.types, ...from } },
              {
                next: ({ data, errors }) => {
                  if (errors?.length) return reject(new Error(errors.map((e) => e.message).join('; ')));
                  const e = data!.objectEvents;
                  ctx.out(e, `${e.timestamp}  ${e.type.padEnd(40)}  ${e.data.bucket}/${e.data.key}${e.data.size === null ? '' : `  ${e.data.size}`}  ${e.id}`);
                  if (++seen >= limit) {
                    stop();
                    resolve();
                  }
                },
                error: (err) => reject(err instanceof Error ? err : new Error((err as { reason?: string }).reason || 'the subscription closed')),
                complete: () => resolve(),
              },
            );
            process.once('SIGINT', () => {
              stop();
              resolve();
            });
            // Tells a script reading stderr that the tail is connected (events since it started are printed).
            ws.on('connected', () => process.stderr.write(`listening for events on ${ctx.remote.url}\n`));
          });
        } finally {
          await ws.dispose();
        }
      }),
    );
}
