import fp from 'fastify-plugin';
import { Dispatcher } from '../events/dispatcher.js';
import { WebhookSender } from '../events/sender.js';
import { SecretBox } from '../lib/secretbox.js';
import { WebhookService } from '../services/webhooks.js';

declare module 'fastify' {
  interface FastifyInstance {
    webhooks: WebhookService;
    dispatcher: Dispatcher;
  }
}

/** Webhook subscriptions and the dispatcher that delivers the recorded events. */
export const eventsPlugin = fp(
  async (app) => {
    const cfg = app.config.webhooks;
    const box = new SecretBox(app.masterKey);
    const sender = new WebhookSender({ timeoutMs: cfg.timeoutMs, allowPrivate: cfg.allowPrivate });
    const tenantExists = (id: string) => app.tenants.resolve(id).then(
      () => true,
      () => false,
    );
    const dispatcher = new Dispatcher({ db: app.db.kysely, box, sender, config: cfg, log: app.log, tenantExists });
    app.decorate('dispatcher', dispatcher);
    app.decorate('webhooks', new WebhookService(app.db.kysely, box, sender, { allowPrivate: cfg.allowPrivate, wake: () => dispatcher.wake() }));
    app.events.onRecorded(() => dispatcher.wake());
    app.addHook('onReady', async () => dispatcher.start());
    app.addHook('onClose', async () => {
      await dispatcher.close();
      await sender.close();
    });
  },
  { name: 's3gate-events', dependencies: ['s3gate-state', 's3gate-storage'] },
);
