import type { FastifyRequest } from 'fastify';

/** Content-Type headers set aside while Fastify chooses a body parser. */
const held = new WeakMap<FastifyRequest, string>();

/**
 * For routes that store their raw body as an object: S3 stores any Content-Type (`x`, `text/`,
 * `image/x"`, `text/plain, text/html`), but Fastify answers 415 for a media type it cannot parse
 * before the route sees the request. `holdContentType` (an onRequest hook, after authentication: the
 * header may be signed) sets the header aside so that Fastify's catch-all parser takes the body, and
 * `restoreContentType` (preValidation, after parsing) puts it back for the route.
 */
export async function holdContentType(request: FastifyRequest): Promise<void> {
  const value = request.raw.headers['content-type'];
  if (value === undefined) return;
  delete request.raw.headers['content-type'];
  held.set(request, value);
}

export async function restoreContentType(request: FastifyRequest): Promise<void> {
  const value = held.get(request);
  if (value !== undefined) request.raw.headers['content-type'] = value;
}
