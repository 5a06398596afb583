import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { responses } from '../schema/common.js';
import { EventList, EventListQuery } from '../schema/events.js';
import type { AppServices } from '../services/index.js';

export const eventRoutes: FastifyPluginAsyncTypebox<{ services: AppServices }> = async (app, { services }) => {
  app.get(
    '/events',
    {
      schema: {
        operationId: 'listEvents',
        tags: ['events'],
        summary: "The tenant's recent object events, oldest first, for consumers that poll and for replay",
        querystring: EventListQuery,
        response: responses({ 200: EventList }),
      },
    },
    async (request) => services.events.list(request.ctx.tenant.id, { ...request.query, limit: request.query.limit ?? 100 }),
  );
};
