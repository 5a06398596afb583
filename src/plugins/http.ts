import type { Duplex } from 'node:stream';
import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { noteErrorCode } from './request-log.js';

/**
 * What both listeners (the API and the S3 door) share: slow and idle clients. Headers must arrive within
 * headersTimeoutMs, and a connection with no bytes either way for idleTimeoutMs is closed. There is no
 * whole-request timeout, so an upload of any size runs as long as it keeps moving. (WebSockets turn the
 * idle timeout off for themselves.) One line per request (request-log.ts) instead of Fastify's two;
 * HEAD routes are declared where they mean something; a closing server answers 503.
 */
export function serverOptions(config: Config) {
  return {
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false as const,
    exposeHeadRoutes: false as const,
    return503OnClosing: true,
    connectionTimeout: config.http.idleTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    requestTimeout: 0,
    http: { headersTimeout: config.http.headersTimeoutMs, connectionsCheckingInterval: Math.min(30_000, Math.max(100, Math.floor(config.http.headersTimeoutMs / 4))) },
  };
}

/**
 * Answers what Node's HTTP parser refuses (bad framing, headers too large, a request not received in
 * time) before a request exists, in the listener's own error shape (`render`), then closes the
 * connection: the stream is no longer in a known state.
 */
export function parserErrorHandler(render: (err: NodeJS.ErrnoException) => { code: string; status: number; reason: string; contentType: string; body: string }) {
  return function (this: { log: FastifyBaseLogger }, err: NodeJS.ErrnoException, socket: Duplex): void {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const answer = render(err);
    this.log.info({ code: answer.code, parser: err.code }, 'malformed request refused');
    if (socket.writable) {
      socket.write(`HTTP/1.1 ${answer.status} ${answer.reason}\r\nContent-Type: ${answer.contentType}\r\nContent-Length: ${Buffer.byteLength(answer.body)}\r\nConnection: close\r\n\r\n${answer.body}`);
    }
    socket.destroy();
  };
}

/** An error as a face is about to answer it, whatever its body's shape (JSON, S3's XML, tus). */
export interface ErrorAnswer {
  /** The code on the request's log line: S3GATE_* or S3's own. */
  code: string;
  status: number;
  message: string;
  headers?: Record<string, string>;
  level: 'error' | 'warn' | 'info';
  /** What was thrown, logged whole for an error of the gateway's own. */
  cause: unknown;
}

/**
 * Everything an error answer does before its body, the same on every face: the code on the request's
 * log line; the error logged by its level (a gateway fault whole, an upstream failure as a warning, a
 * refusal at debug); its headers; and `Connection: close` when the request's body was not read (it is
 * not drained), then the status.
 */
export function startErrorAnswer(request: FastifyRequest, reply: FastifyReply, e: ErrorAnswer): FastifyReply {
  noteErrorCode(request, e.code);
  if (e.level === 'error') request.log.error({ err: e.cause }, 'request failed');
  else if (e.level === 'warn') request.log.warn({ code: e.code, status: e.status, msg: e.message }, 'request failed upstream');
  else request.log.debug({ code: e.code, status: e.status, msg: e.message }, 'request refused');
  for (const [name, value] of Object.entries(e.headers ?? {})) reply.header(name, value);
  if (!request.raw.complete) reply.header('connection', 'close');
  return reply.code(e.status);
}
