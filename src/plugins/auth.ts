import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../errors.js';
import { bearer, safeEqual } from '../lib/api-keys.js';
import type { RequestContext } from '../services/context.js';
import type { ResolvedTenant } from '../services/tenants.js';

declare module 'fastify' {
  interface FastifyRequest {
    ctx: RequestContext;
  }
}

/**
 * The context services get: the tenant, a logger that names it, and a signal that fires when the
 * client goes away before the response is complete (so the S3 request is aborted at once).
 */
export function bindTenant(request: FastifyRequest, reply: FastifyReply, tenant: ResolvedTenant): void {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableEnded) controller.abort(new errors.ClientClosed());
  });
  request.log = request.log.child({ tenant: tenant.id });
  const origin = request.server.config.publicUrl ?? `${request.protocol}://${request.host}`;
  request.ctx = { tenant, log: request.log, signal: controller.signal, origin };
}

/** onRequest hook of the tenant API: the API key alone identifies the tenant; then its rate limit applies. */
export async function requireTenant(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const token = bearer(request.headers.authorization);
  if (!token) throw new errors.Unauthorized('Send your API key as Authorization: Bearer <apiKey>');
  const tenant = await request.server.tenants.authenticate(token);
  if (!tenant) throw new errors.Unauthorized('The API key is unknown or has been revoked');
  bindTenant(request, reply, tenant);
  const { headers } = await request.server.limits.admit(tenant);
  for (const [name, value] of Object.entries(headers)) reply.header(name, value);
}

/** onRequest hook of the admin API. */
export async function requireAdmin(request: FastifyRequest): Promise<void> {
  const token = bearer(request.headers.authorization);
  if (!token || !safeEqual(token, request.server.adminToken)) throw new errors.AdminUnauthorized();
}
