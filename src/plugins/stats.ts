import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Face, StatsService } from '../services/stats.js';

const SEEN = Symbol('s3gate.stats.bytesSeen');
type Counted = Socket & { [SEEN]?: { read: number; written: number } };

/**
 * The bytes a connection carried since its previous answer ended: this request's, headers included.
 * Counting from answer to answer needs no hook at the start of each request, and a connection's
 * requests together add up to exactly what it carried (a pipelined request's first bytes go to the one before).
 */
function wireBytes(socket: Socket | null): { read: number; written: number } {
  // app.inject()'s requests have a stand-in socket that counts nothing.
  if (typeof socket?.bytesRead !== 'number') return { read: 0, written: 0 };
  const s = socket as Counted;
  const seen = (s[SEEN] ??= { read: 0, written: 0 });
  const read = s.bytesRead - seen.read;
  const written = s.bytesWritten - seen.written;
  seen.read = s.bytesRead;
  seen.written = s.bytesWritten;
  return { read, written };
}

/** Counts one answered request in the stats: its tenant (if it was identified), face, status, time and bytes. */
export function countRequest(stats: StatsService, face: Face, request: FastifyRequest, reply: FastifyReply): void {
  const bytes = wireBytes(request.raw.socket);
  stats.request(request.ctx?.tenant.id, face, reply.statusCode, reply.elapsedTime, bytes.read, bytes.written);
}

/** The API's face of a route: GraphQL, tus, or REST (everything else, unmatched URLs included). */
function apiFace(request: FastifyRequest): Face {
  const url = request.routeOptions.url ?? '';
  return url.startsWith('/graphql') ? 'graphql' : url.startsWith('/v1/uploads') ? 'tus' : 'rest';
}

/** Every answer of the API listener counted in the stats. */
export function countApiRequests(app: FastifyInstance, stats: StatsService): void {
  app.addHook('onResponse', async (request, reply) => countRequest(stats, apiFace(request), request, reply));
}
