import fp from 'fastify-plugin';
import { Dispatcher } from '../events/dispatcher.js';
import { Retention } from '../events/retention.js';
import { WebhookSender } from '../events/sender.js';
import { WebhookService } from '../services/webhooks.js';

declare module 'fastify' {
  interface FastifyInstance {
    webhooks: WebhookService;
    dispatcher: Dispatcher;
    retention: Retention;
  }
}

/** Webhook subscriptions and the dispatcher that delivers the recorded events. */
export const eventsPlugin = fp(
  async (app) => {
    const cfg = app.config.webhooks;
    const box = app.secretBox;
    const sender = new WebhookSender({ timeoutMs: cfg.timeoutMs, allowPrivate: cfg.allowPrivate });
    const tenantExists = (id: string) => app.tenants.resolve(id).then(
      () => true,
      () => false,
    );
    const dispatcher = new Dispatcher({ db: app.db.kysely, box, sender, config: cfg, log: app.log, tenantExists });
    app.decorate('dispatcher', dispatcher);
    app.decorate('webhooks', new WebhookService(app.db.kysely, box, sender, { allowPrivate: cfg.allowPrivate, wake: () => dispatcher.wake() }));
    app.events.onRecorded(() => dispatcher.wake());
    const retention = new Retention(app.db.kysely, { eventsMs: cfg.retentionMs, deliveriesMs: cfg.deliveryRetentionMs });
    app.decorate('retention', retention);
    const prune = () =>
      retention.run().then(
        (report) => {
          if (report.events + report.deliveries + report.attempts > 0) app.log.info({ retention: report }, 'retention pruned the event and delivery logs');
        },
        (err: unknown) => app.log.warn({ err }, 'retention failed; it runs again at the next interval'),
      );
    let retentionTimer: NodeJS.Timeout | undefined;
    let firstPrune: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      dispatcher.start();
      firstPrune = setTimeout(prune, Math.min(60_000, cfg.retentionIntervalMs)).unref();
      retentionTimer = setInterval(prune, cfg.retentionIntervalMs).unref();
    });
    app.addHook('onClose', async () => {
      clearTimeout(firstPrune);
      clearInterval(retentionTimer);
      await dispatcher.close();
      await sender.close();
    });
  },
  { name: 's3gate-events', dependencies: ['s3gate-state', 's3gate-storage'] },
);
