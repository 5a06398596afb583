import { createReadStream, existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { errors } from '../errors.js';

/** dist/console, built by scripts/console.mjs (npm run build): from dist/src/routes or from src/routes (never console/, the sources). */
const DIR = [new URL('../../console/', import.meta.url), new URL('../../dist/console/', import.meta.url)].map((u) => fileURLToPath(u)).find((d) => existsSync(`${d}app.js`));

const FILES: Record<string, string> = {
  'app.js': 'application/javascript; charset=utf-8',
  'app.js.map': 'application/json; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

/**
 * The page may run only its own script and style, talk only to the gateway, and show images from the
 * gateway and from the presigned URLs of S3 endpoints; no other page may frame it.
 */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' http: https: data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/** The web console at /console, its files at /console/assets/… (hidden from the API document). */
export async function consoleRoutes(app: FastifyInstance): Promise<void> {
  const hide = { schema: { hide: true } };
  const send = (name: string, type: string, cache: string) => {
    if (!DIR) throw new errors.ConsoleUnavailable();
    const file = `${DIR}${name}`;
    return { type, cache, size: statSync(file).size, stream: createReadStream(file) };
  };
  app.get('/console', hide, async (_request, reply) => {
    const f = send('index.html', 'text/html; charset=utf-8', 'no-store');
    return reply.type(f.type).header('cache-control', f.cache).header('content-security-policy', CSP).header('referrer-policy', 'no-referrer').header('content-length', f.size).send(f.stream);
  });
  app.get('/console/', hide, async (_request, reply) => reply.redirect('/console'));
  app.get<{ Params: { name: string } }>('/console/assets/:name', hide, async (request, reply) => {
    const type = Object.hasOwn(FILES, request.params.name) ? FILES[request.params.name] : undefined;
    if (!type) return reply.callNotFound();
    // Built with the gateway: revalidated by ETag-less short caching rather than fingerprinted names.
    const f = send(request.params.name, type, 'public, max-age=300');
    return reply.type(f.type).header('cache-control', f.cache).header('content-length', f.size).send(f.stream);
  });
}
