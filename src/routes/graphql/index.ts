import websocket from '@fastify/websocket';
import type { FastifyInstance, RouteOptions } from 'fastify';
import type { Config } from '../../config.js';
import { GraphQLError, Kind, Location } from 'graphql';
import mercurius, { type MercuriusContext } from 'mercurius';
import mqemitterRedis from 'mqemitter-redis';
import { Gauge } from 'prom-client';
import type { WebSocket } from 'ws';
import { errors, isGatewayError, logLevelOf, toApiError, type GatewayError } from '../../errors.js';
import { bearer } from '../../lib/api-keys.js';
import { requireTenant } from '../../plugins/auth.js';
import { traceOperation } from '../../plugins/tracing.js';
import { typeDefs } from '../../schema/graphql.js';
import { operationCost } from './cost.js';
import { depthLimit } from './depth.js';
import { graphiqlRoutes } from './graphiql.js';
import { ObjectInfoLoader } from './object-info.js';
import { SubscriptionSlots, closeUnread } from './subscription-slots.js';
import { eventsTopic, loaders, resolvers, type GraphqlContext } from './resolvers.js';
import type { AppServices } from '../../services/index.js';

const FORBIDDEN_REASON = 'Forbidden: send {"authorization": "Bearer <apiKey>"} as the connection_init payload, with a valid API key';

interface FormattedError {
  message: string;
  locations?: readonly { line: number; column: number }[];
  path?: readonly (string | number)[];
  extensions: { code: string };
}

/**
 * Every GraphQL error carries the REST API's stable code in extensions.code; nothing else of an
 * unexpected error (no stack, no internal message) reaches the client. Errors of the request itself
 * (authorization, CSRF, syntax, validation) keep their HTTP status; errors of a field answer 200
 * with the rest of the data, as GraphQL over HTTP says.
 */
function formatErrors(
  execution: { data?: unknown; errors: readonly GraphQLError[] },
  context: { reply?: { log: FastifyInstance['log']; header(name: string, value: string): unknown; request: { routeOptions: { bodyLimit?: number } } }; app: FastifyInstance },
) {
  const log = context.reply?.log ?? context.app.log;
  let status: number | undefined;
  const out: FormattedError[] = [];
  const add = (err: GatewayError, from?: GraphQLError) => {
    // Retry-After and RateLimit-* of a refusal (429, 503) go with GraphQL's answer as with REST's.
    if (!from?.path) for (const [name, value] of Object.entries(err.headers ?? {})) context.reply?.header(name, value);
    const level = logLevelOf(err);
    if (level === 'error') log.error({ err: from?.originalError ?? err }, 'graphql request failed');
    else log[level]({ code: err.code, status: err.statusCode, msg: err.message, path: from?.path }, level === 'warn' ? 'graphql field failed upstream' : 'graphql request refused');
    // A field's error answers 200; the request's own error (no path) sets the status.
    if (!from?.path) status ??= err.statusCode;
    out.push({
      message: err.message,
      ...(from?.locations && { locations: from.locations }),
      ...(from?.path && { path: from.path }),
      extensions: { code: err.code },
    });
  };
  for (const error of execution.errors) {
    const original = error.originalError as (Error & { errors?: unknown[]; code?: string; statusCode?: number }) | undefined;
    if (original && Array.isArray(original.errors)) {
      // mercurius wraps syntax, validation and depth errors in one MER_ERR_GQL_VALIDATION.
      for (const inner of original.errors as GraphQLError[]) {
        if (original.code === 'MER_ERR_METHOD_NOT_ALLOWED') add(Object.assign(new errors.GraphqlInvalid('Only queries may be sent with GET; send mutations with POST'), { statusCode: 405 }));
        else add(new errors.GraphqlInvalid(inner.message), inner);
      }
    } else if (isGatewayError(original)) {
      add(original, error);
    } else if (original instanceof GraphQLError || (!original && error.path === undefined)) {
      add(new errors.GraphqlInvalid(error.message), error);
    } else if (original?.code === 'MER_ERR_GQL_CSRF_PREVENTION') {
      add(new errors.CsrfBlocked(), error);
    } else if (original?.code === 'MER_ERR_GQL_PERSISTED_QUERY_NOT_FOUND') {
      add(new errors.GraphqlInvalid('Send the operation as "query" (GET ?query=… or a JSON body {"query": "…", "variables": {…}})'), error);
    } else if (original?.code?.startsWith('MER_ERR_') && (original.statusCode ?? 500) < 500) {
      add(new errors.GraphqlInvalid(original.message), error);
    } else {
      add(toApiError((original ?? error) as Parameters<typeof toApiError>[0], undefined, context.reply?.request.routeOptions.bodyLimit), error);
    }
  }
  const statusCode = execution.data ? 200 : (status ?? 200);
  return { statusCode, response: { data: execution.data ?? null, errors: out } };
}

/**
 * What the gateway sends on a subscription socket, checked as it goes:
 * - mercurius answers a refused connection_init with a connection_error message, which the
 *   graphql-transport-ws protocol does not have (graphql-ws clients report it as a bad message). The
 *   protocol's way is a close code: 4403 with what to fix, or 4401 for a subscribe before the init.
 * - a socket whose client does not take what is sent to it (a message of each subscription, or the
 *   pongs ws answers its pings with, authenticated or not) holds it in memory: past `maxUnsentBytes`
 *   it is closed (closeUnread). The events waiting behind those messages are bounded by
 *   SubscriptionSlots.
 */
function guardSends(socket: WebSocket, maxUnsentBytes: number) {
  const checkUnsent = () => {
    if (socket.bufferedAmount > maxUnsentBytes) closeUnread(socket, `Over ${maxUnsentBytes} bytes unsent`);
  };
  const send = socket.send.bind(socket) as (data: unknown, cb?: (err?: Error) => void) => void;
  socket.send = ((data: unknown, cb?: (err?: Error) => void) => {
    if (typeof data === 'string' && data.startsWith('{"type":"connection_error"')) {
      const forbidden = data.includes('"Forbidden"');
      socket.close(forbidden ? 4403 : 4401, forbidden ? FORBIDDEN_REASON : 'Unauthorized: send connection_init first');
      cb?.();
      return;
    }
    if (socket.readyState !== socket.OPEN) return void cb?.();
    send(data, cb);
    checkUnsent();
  }) as WebSocket['send'];
  socket.on('ping', checkUnsent);
}

/**
 * The life of a subscription socket beyond mercurius's: one that sends no connection_init within the
 * wait is closed with 4408 (graphql-transport-ws), so sockets that never authenticate hold nothing;
 * one whose API key is revoked, or whose tenant is deleted, is closed with 4403 within `recheckMs`.
 */
function guardSocket(socket: WebSocket, opts: { initWaitMs: number; recheckMs: number; stillValid: (token: string) => Promise<boolean> }) {
  const initTimer = setTimeout(() => socket.close(4408, 'Connection initialisation timeout'), opts.initWaitMs);
  initTimer.unref();
  let recheck: NodeJS.Timeout | undefined;
  const onMessage = (data: unknown) => {
    let message: { type?: string; payload?: Record<string, unknown> };
    try {
      message = JSON.parse(String(data)) as typeof message;
    } catch {
      return;
    }
    if (message.type !== 'connection_init') return;
    clearTimeout(initTimer);
    socket.off('message', onMessage);
    const token = tokenOf(message.payload);
    if (!token) return;
    recheck = setInterval(() => {
      opts.stillValid(token).then(
        (ok) => {
          if (!ok) socket.close(4403, 'Forbidden: the API key was revoked or its tenant deleted');
        },
        () => {},
      );
    }, opts.recheckMs);
    recheck.unref();
  };
  socket.on('message', onMessage);
  socket.once('close', () => {
    clearTimeout(initTimer);
    clearInterval(recheck);
  });
}

/** The API key of a connection_init payload: { authorization } or { headers: { authorization } }. */
function tokenOf(payload: Record<string, unknown> | undefined): string | undefined {
  const raw = payload?.authorization ?? payload?.Authorization ?? (payload?.headers as Record<string, unknown> | undefined)?.authorization;
  return typeof raw === 'string' ? bearer(raw) : undefined;
}

/** The endpoint is in the OpenAPI document (schema.graphql describes it); GraphiQL's files are not. */
function describeRoute(route: RouteOptions): void {
  if (route.url.startsWith('/graphiql')) route.schema = { ...route.schema, hide: true };
  else if (route.url === '/graphql') {
    const result = (route.schema?.response as Record<string, Record<string, unknown>> | undefined)?.['2xx'];
    route.schema = {
      ...route.schema,
      ...(result && {
        response: {
          '2xx': { ...result, description: 'The result: data, and errors of fields (each with extensions.code) beside the rest of the data' },
          '4xx': { ...result, description: 'Refused before running: 401 no or bad API key, 400 bad GraphQL or CSRF, 405 a mutation over GET, 413 body too large; errors[].extensions.code says why' },
        },
      }),
      tags: ['graphql'],
      operationId: route.method === 'POST' ? 'graphqlPost' : 'graphqlGet',
      summary:
        route.method === 'POST'
          ? 'A GraphQL query or mutation (schema: src/schema/schema.graphql, GraphiQL: /graphiql)'
          : 'A GraphQL query in the query string; WebSocket upgrade (graphql-transport-ws) for subscriptions',
    };
  }
}

/** What every operation passes before it runs: its size, its being a parsed document, its cost and aliases. */
function guardOperations(app: FastifyInstance, cfg: Config['graphql']): void {
  app.graphql.addHook('preParsing', async (_schema, source) => {
    const bytes = Buffer.byteLength(source);
    if (bytes > cfg.maxQueryBytes) {
      throw new errors.GraphqlTooCostly(
        `The operation text is ${bytes} bytes; at most ${cfg.maxQueryBytes} are allowed (S3GATE_GRAPHQL_MAX_QUERY_BYTES): pass large values, such as putObject content, as variables`,
      );
    }
  });

  // mercurius also takes a JSON-serialised AST as `query`: anything JSON (`true`, `{}`) reached the
  // validation rules as a document and crashed them (500). Only documents the GraphQL parser made (their
  // `loc` is a Location) go on, and a subscription over HTTP is told where subscriptions run.
  app.graphql.addHook('preValidation', async (_schema, document, context) => {
    if (!(document?.loc instanceof Location) || !Array.isArray(document.definitions)) {
      throw new errors.GraphqlInvalid('"query" must be a GraphQL document as text, such as "{ buckets { name } }"');
    }
    const body = (context.reply?.request.body ?? context.reply?.request.query) as { operationName?: string } | undefined;
    const ops = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    const op = body?.operationName ? ops.find((o) => o.name?.value === body.operationName) : ops.length === 1 ? ops[0] : undefined;
    if (op && context.reply) traceOperation(context.reply.request, `${op.operation}${op.name ? ` ${op.name.value}` : ''}`);
    if (op?.operation === 'subscription') throw new errors.GraphqlInvalid('Subscriptions run over a WebSocket on /graphql (graphql-transport-ws), not over HTTP');
  });

  // Cost and aliases are checked with the request's own variables, before anything runs.
  app.graphql.addHook('preExecution', async (schema, document, context, variables) => {
    const body = (context.reply?.request.body ?? context.reply?.request.query) as { operationName?: string } | undefined;
    const { cost, aliases } = operationCost(schema, document, variables as Record<string, unknown> | undefined, body?.operationName);
    if (aliases > cfg.maxAliases) throw new errors.GraphqlTooCostly(`The operation has ${aliases} aliased fields; at most ${cfg.maxAliases} are allowed (S3GATE_GRAPHQL_MAX_ALIASES)`);
    if (cost > cfg.maxCost) {
      throw new errors.GraphqlTooCostly(
        `The operation's estimated cost is ${cost}, over the limit of ${cfg.maxCost} (S3GATE_GRAPHQL_MAX_COST): ask for smaller pages (first), fewer fields or smaller text(maxBytes), or split it`,
      );
    }
  });
}

/** POST/GET /graphql, GraphiQL at /graphiql, and subscriptions over WebSocket on /graphql. */
export async function graphqlRoutes(app: FastifyInstance, { services }: { services: AppServices }): Promise<void> {
  const cfg = app.config.graphql;
  const emitter = app.config.redisUrl ? mqemitterRedis({ connectionString: app.config.redisUrl }) : undefined;
  (emitter as unknown as { state?: NodeJS.EventEmitter } | undefined)?.state?.on('error', (err: Error) => app.log.warn({ err }, 'redis (graphql subscriptions) failed; retrying'));

  let closing = false;
  // The API key authorises every HTTP request (after the CSRF check, before the body is parsed). Only a
  // connection that really was upgraded to a WebSocket (request.ws, set by @fastify/websocket) authorises
  // in its connection_init instead: an `Upgrade` header on a plain request changes nothing.
  app.addHook('preParsing', async (request, reply) => {
    if (request.routeOptions.url !== '/graphql' || request.ws) return;
    await requireTenant(request, reply);
  });
  app.addHook('onRoute', describeRoute);

  const slots = new SubscriptionSlots({ perTenant: cfg.maxSubscriptions, perProcess: cfg.maxSubscriptionsPerProcess, maxUnsentEvents: cfg.maxUnsentEvents });
  new Gauge({
    name: 's3gate_graphql_subscriptions',
    help: 'Live GraphQL subscriptions in this process (at most S3GATE_GRAPHQL_MAX_SUBSCRIPTIONS_PER_PROCESS)',
    registers: [app.metrics.registry],
    collect() {
      this.set(slots.count());
    },
  });
  // Registered here (mercurius would otherwise, out of reach) so every socket can be seen as it opens.
  await app.register(websocket, { options: { maxPayload: 1024 * 1024 } });
  new Gauge({
    name: 's3gate_graphql_sockets',
    help: 'Open GraphQL subscription sockets (WebSocket) in this process, authenticated or not',
    registers: [app.metrics.registry],
    collect() {
      this.set(app.websocketServer.clients.size);
    },
  });
  app.websocketServer.on('connection', (socket: WebSocket) => guardSends(socket, cfg.maxUnsentBytes));
  const recheckMs = Math.max(250, app.config.tenantCacheTtlMs);
  const stillValid = async (token: string) => Boolean(await services.tenants.authenticate(token));
  app.websocketServer.on('connection', (socket: WebSocket) => guardSocket(socket, { initWaitMs: cfg.connectionInitWaitMs, recheckMs, stillValid }));
  await app.register(mercurius, {
    schema: typeDefs,
    resolvers: resolvers(services, cfg.maxContentBytes, slots) as never,
    loaders: loaders as never,
    path: '/graphql',
    graphiql: false,
    validationRules: [depthLimit(cfg.maxDepth)],
    allowBatchedQueries: false,
    // Every distinct operation text is parsed, kept and later compiled: the text, its tokens and the
    // number kept are bounded, or a client could fill memory with distinct large documents (1,024
    // documents of 2 MB each by mercurius's defaults). Content goes in variables, which are not kept.
    cache: cfg.cacheSize,
    graphql: { parseOptions: { maxTokens: cfg.maxTokens } },
    jit: 1,
    // A request with an Authorization header (not CORS-safelisted) or a WebSocket handshake key cannot
    // be forged by a form or a simple cross-site request: a browser preflights those first.
    csrfPrevention: { requiredHeaders: ['authorization', 'sec-websocket-key', 'x-mercurius-operation-name', 'mercurius-require-preflight'] },
    // base64 content is 4/3 of its bytes, and JSON escapes may add more.
    additionalRouteOptions: { bodyLimit: Math.max(1024 * 1024, cfg.maxContentBytes * 2 + 64 * 1024) },
    context: (request) =>
      ({
        ctx: request.ctx,
        get lookups() {
          const loader = new ObjectInfoLoader(services.objects, request.ctx, { concurrency: cfg.lookupConcurrency, max: cfg.maxLookups });
          Object.defineProperty(this, 'lookups', { value: loader });
          return loader;
        },
      }) as unknown as MercuriusContext,
    errorFormatter: formatErrors as never,
    subscription: {
      ...(emitter && { emitter }),
      // The socket a subscription runs on, for the bound on what waits to be sent to it.
      context: (socket: WebSocket) => ({ socket }),
      onConnect: async ({ payload }: { payload?: Record<string, unknown> }) => {
        const token = tokenOf(payload);
        const tenant = token ? await services.tenants.authenticate(token) : undefined;
        return tenant ? { tenant } : false;
      },
    },
  });

  await app.register(graphiqlRoutes);

  guardOperations(app, cfg);

  // Every recorded event (gateway writes, native notifications) reaches the subscriptions of its
  // tenant; through Redis, those of every gateway process.
  services.events.onRecorded((events) => {
    if (closing) return;
    for (const event of events) app.graphql.pubsub.publish({ topic: eventsTopic(event.data.tenant), payload: { objectEvents: event } });
  });
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onClose', async () => {
    if (!emitter) return;
    // quit() waits for Redis to answer; a Redis that is down never does.
    const connections = emitter as unknown as { subConn: { disconnect(): void }; pubConn: { disconnect(): void } };
    await Promise.race([new Promise<void>((resolve) => emitter.close(() => resolve())), new Promise((r) => setTimeout(r, 1000).unref())]);
    connections.subConn.disconnect();
    connections.pubConn.disconnect();
  });
}

export type { GraphqlContext };
