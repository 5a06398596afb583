import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../errors.js';
import { bearer, safeEqual } from '../lib/api-keys.js';
import type { RequestContext } from '../model/context.js';
import type { ResolvedTenant } from '../model/tenant.js';

declare module 'fastify' {
  interface FastifyRequest {
    ctx: RequestContext;
  }
}

/**
 * The gateway's origin as URLs it hands out (presigned URLs of disk tenants, the push endpoint wired
 * into S3 notifications) must name it: S3GATE_PUBLIC_URL when set; else the Host header only when it
 * is one of S3GATE_ALLOWED_HOSTS; else the address and port the request's connection reached. A Host
 * header alone never decides: `Host: 10.0.0.1:6379` would make the S3 server push to another service.
 */
export function originOf(request: FastifyRequest): string {
  const { publicUrl, allowedHosts } = request.server.config;
  if (publicUrl) return publicUrl;
  const host = request.host.toLowerCase();
  if (allowedHosts.includes(host)) return `${request.protocol}://${host}`;
  // An injected request (tests, in-process tooling) has no real connection.
  if (!request.socket.localPort) return `${request.protocol}://${host}`;
  const address = request.socket.localAddress ?? '127.0.0.1';
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return `${request.protocol}://${plain.includes(':') ? `[${plain}]` : plain}:${request.socket.localPort}`;
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
  // The request's logger is its own (Fastify makes one per request): naming the tenant on it costs
  // less than a child of it, which showed in profiles. A disabled logger has no bindings to set.
  const log = request.log as typeof request.log & { setBindings?: (b: Record<string, unknown>) => void };
  if (typeof log.setBindings === 'function') log.setBindings({ tenant: tenant.id });
  else request.log = request.log.child({ tenant: tenant.id });
  request.ctx = { tenant, log: request.log, signal: controller.signal, origin: originOf(request) };
}

/** onRequest hook of the tenant API: the API key alone identifies the tenant; then its rate limit applies. */
export async function requireTenant(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const token = bearer(request.headers.authorization);
  if (!token) throw new errors.Unauthorized('Send your API key as Authorization: Bearer <apiKey>');
  const tenant = await request.server.services.tenants.authenticate(token);
  if (!tenant) throw new errors.Unauthorized('The API key is unknown or has been revoked');
  bindTenant(request, reply, tenant);
  const { headers } = await request.server.services.limits.admit(tenant);
  for (const [name, value] of Object.entries(headers)) reply.header(name, value);
}

/** onRequest hook of the admin API. */
export async function requireAdmin(request: FastifyRequest): Promise<void> {
  const token = bearer(request.headers.authorization);
  const { adminToken, adminTokenPrevious } = request.server;
  if (!token || !(safeEqual(token, adminToken) || (adminTokenPrevious !== undefined && safeEqual(token, adminTokenPrevious)))) throw new errors.AdminUnauthorized();
}
