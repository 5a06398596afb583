import fp from 'fastify-plugin';
import { type AppServices, createServices } from '../services/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every service, built once by createServices; route plugins receive it as their `services` option. */
    services: AppServices;
  }
}

/** The services of services/index.ts over the state store, reporting to the metrics; started when the app is ready. */
export const servicesPlugin = fp(
  async (app) => {
    const { metrics } = app;
    const services = await createServices(app.config, {
      state: { kysely: app.db.kysely, box: app.secretBox, masterKey: app.masterKey },
      log: app.log,
      bootstrap: true,
      observe: {
        poolRejected: (tenant) => metrics.poolRejected.inc({ tenant }),
        circuit: (tenant, state) => metrics.circuitState.set({ tenant }, state === 'closed' ? 0 : 1),
        credentialRefresh: (tenant, outcome) => metrics.credentialRefreshes.inc({ tenant, outcome }),
        s3Request: metrics.s3Request,
        s3Error: (tenant, operation, code) => metrics.s3Errors.inc({ tenant, operation, code }),
        rateLimited: (tenant) => metrics.rateLimited.inc({ tenant }),
        multipartAbort: (tenant, outcome) => metrics.multipartAborts.inc({ tenant, outcome }),
      },
    });
    const { start, close, ...each } = services;
    app.decorate('services', each);
    metrics.poolSource = () => services.pool.entries();
    app.addHook('onReady', async () => start());
    // Registered after the state plugin, so it closes first: clients go before the database.
    app.addHook('onClose', async () => close());
  },
  { name: 's3gate-services', dependencies: ['s3gate-state', 's3gate-metrics'] },
);
