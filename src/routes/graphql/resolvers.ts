import { Readable } from 'node:stream';
import { getArgumentValues, isObjectType, Kind, type FieldNode, type GraphQLResolveInfo } from 'graphql';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services/index.js';
import { checkResumeFrom, resume } from '../../services/event-stream.js';
import mercurius, { type IResolvers, type MercuriusLoaders } from 'mercurius';
import { errors, isGatewayError } from '../../errors.js';
import type { BucketInfo, ListResult, ObjectInfo } from '../../model/object-store.js';
import type { RequestContext } from '../../model/context.js';
import { filterMatches, typeMatches, validatePatterns, type ObjectEvent } from '../../model/event.js';
import type { ResolvedTenant } from '../../model/tenant.js';
import { validateBucketName } from '../../model/names.js';
import type { DeliveryStatus, Webhook } from '../../model/webhook.js';
import type { WebhookInput } from '../../schema/webhooks.js';
import type { ObjectInfoLoader, ObjectNode } from './object-info.js';
import { DateTime, Long, StringMap } from './scalars.js';
import type { SubscriptionSlots } from './subscription-slots.js';
import type { WebSocket } from 'ws';

/** What resolvers of one HTTP request get; subscriptions get `tenant` from the connection instead. */
export interface GraphqlContext {
  app: FastifyInstance;
  ctx: RequestContext;
  lookups: ObjectInfoLoader;
  /** The tenant's buckets, listed at most once per request (Bucket.createdAt). */
  bucketList?: Promise<BucketInfo[]>;
  tenant?: ResolvedTenant;
  pubsub: { subscribe(topic: string): Promise<AsyncIterable<unknown>> };
  /** A subscription's socket (mercurius's subscription context). */
  socket?: WebSocket;
}

/** The emitter topic of a tenant's events: a subscription only ever listens to its own tenant's. */
export const eventsTopic = (tenantId: string) => `s3gate/events/${tenantId}`;

const MAX_PAGE = 1000;
const KEY_CURSOR = 'k.';

function pageSize(first: number | null | undefined, def: number): number {
  const n = first ?? def;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) throw new errors.Validation(`first must be from 1 to ${MAX_PAGE}; got ${n}`);
  return n;
}

/** Edge cursors of a listing resume after their key; page cursors are the store's own. */
const keyCursor = (key: string) => KEY_CURSOR + Buffer.from(key, 'utf8').toString('base64url');

function listPosition(after: string | null | undefined): { cursor?: string; startAfter?: string } {
  if (!after) return {};
  if (!after.startsWith(KEY_CURSOR)) return { cursor: after };
  const encoded = after.slice(KEY_CURSOR.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) throw new errors.InvalidCursor();
  return { startAfter: Buffer.from(encoded, 'base64url').toString('utf8') };
}

/** Arguments may be explicitly null in GraphQL; the services take absent. */
function present<T extends object>(input: T | null | undefined): { [K in keyof T]?: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(input ?? {}).filter(([, v]) => v !== null && v !== undefined)) as { [K in keyof T]?: Exclude<T[K], null> };
}

async function orNull<T>(p: Promise<T>, ...codes: string[]): Promise<T | null> {
  try {
    return await p;
  } catch (err) {
    if (codes.includes((err as { code?: string }).code ?? '')) return null;
    throw err;
  }
}

const objectNode = (bucket: string, info: Partial<ObjectInfo> & { key: string }): ObjectNode => ({ bucket, ...info });

function decodeContent(content: string, encoding: 'UTF8' | 'BASE64'): Buffer {
  if (encoding === 'UTF8') return Buffer.from(content, 'utf8');
  const clean = content.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) throw new errors.Validation('content is not valid base64 (RFC 4648, standard alphabet)');
  return Buffer.from(clean, 'base64');
}

interface ListArgs {
  prefix?: string | null;
  delimiter?: string | null;
  first?: number | null;
  after?: string | null;
}
interface RefInput {
  bucket: string;
  key: string;
}
interface WebhookInputArgs {
  url?: string | null;
  kind?: WebhookInput['kind'] | null;
  events?: string[] | null;
  filter?: { bucket?: string | null; prefix?: string | null; suffix?: string | null } | null;
  format?: WebhookInput['format'] | null;
  destination?: { [K in keyof NonNullable<WebhookInput['destination']>]?: NonNullable<WebhookInput['destination']>[K] | null } | null;
  description?: string | null;
  enabled?: boolean | null;
}

function webhookInput(input: WebhookInputArgs): Partial<WebhookInput> & { enabled?: boolean } {
  const { filter, destination, ...rest } = present(input);
  return { ...rest, ...(filter ? { filter: present(filter) } : {}), ...(destination ? { destination: present(destination) as WebhookInput['destination'] } : {}) };
}

/** What the resolvers call: the same services as the REST routes. */
export type GraphqlServices = Pick<Services, 'buckets' | 'objects' | 'webhooks' | 'events' | 'presign'>;

const withSecret = ({ secret, ...webhook }: Webhook & { secret: string }) => ({ webhook, secret });

/**
 * The resolvers: each one is a call to the same service the REST route makes, with the same
 * validation, limits, error codes, events and metrics.
 */
export function resolvers(services: GraphqlServices, maxContentBytes: number, slots: SubscriptionSlots): IResolvers<unknown, GraphqlContext> {
  // Not async: a listed object has these already; no promise per field of a 1000-object page.
  const objectField =
    <K extends 'size' | 'etag' | 'lastModified'>(field: K) =>
    (node: ObjectNode, _args: unknown, c: GraphqlContext) =>
      node[field] ?? c.lookups.info(node).then((info) => info[field]);

  // async: a bad argument rejects the listing's promise, so it surfaces at the objects field.
  const listObjects = async (c: GraphqlContext, bucket: string, args: ListArgs) =>
    services.buckets.listObjects(c.ctx, bucket, {
      ...present({ prefix: args.prefix, delimiter: args.delimiter }),
      ...listPosition(args.after),
      limit: pageSize(args.first, 100),
    });

  /** null for an absent key; S3's HEAD cannot tell an absent bucket, so a miss asks once more. */
  const findObject = async (c: GraphqlContext, bucket: string, key: string) => {
    const head = await orNull(services.objects.head(c.ctx, bucket, key), 'S3GATE_OBJECT_NOT_FOUND');
    if (head?.status === 200) return objectNode(bucket, head.info);
    if (!(await services.buckets.exists(c.ctx, bucket))) throw new errors.BucketNotFound(bucket);
    return null;
  };

  return {
    DateTime,
    Long,
    StringMap,

    Query: {
      buckets: async (_root, _args, c) => (c.bucketList ??= services.buckets.list(c.ctx)),
      bucket: async (_root, { name }: { name: string }, c, info: GraphQLResolveInfo) => {
        // Asked only for its objects: the listing itself tells whether the bucket exists (one S3 call, not two).
        const args = soleListingArgs(info);
        if (!args) return (await services.buckets.exists(c.ctx, name)) ? { name } : null;
        const page = listObjects(c, name, args);
        try {
          await page;
        } catch (err) {
          if ((err as { code?: string }).code === 'S3GATE_BUCKET_NOT_FOUND') return null;
        }
        return { name, listing: { args: JSON.stringify(args), page } };
      },
      object: async (_root, { bucket, key }: RefInput, c) => findObject(c, bucket, key),
      objectTags: async (_root, { bucket, key }: RefInput, c) => services.objects.getTags(c.ctx, bucket, key),
      objectVersions: async (_root, args: { bucket: string; prefix?: string | null; keyMarker?: string | null; versionIdMarker?: string | null; limit?: number | null }, c) =>
        services.objects.listVersions(c.ctx, args.bucket, present({ prefix: args.prefix, keyMarker: args.keyMarker, versionIdMarker: args.versionIdMarker, limit: args.limit })),
      webhooks: async (_root, _args, c) => services.webhooks.list(c.ctx.tenant.id),
      webhook: async (_root, { id }: { id: string }, c) => orNull(services.webhooks.get(c.ctx.tenant.id, id), 'S3GATE_WEBHOOK_NOT_FOUND'),
      events: async (_root, args: { bucket?: string | null; prefix?: string | null; since?: string | null; first?: number | null; after?: string | null }, c) => {
        const page = await services.events.list(c.ctx.tenant.id, { ...present({ bucket: args.bucket, prefix: args.prefix, since: args.since, cursor: args.after }), limit: pageSize(args.first, 100) });
        return connection(page.events, (e) => e.id, page.nextCursor);
      },
    },

    Bucket: {
      createdAt: async (bucket: BucketNode, _args, c) => {
        if (bucket.createdAt !== undefined) return bucket.createdAt;
        const all = await (c.bucketList ??= services.buckets.list(c.ctx));
        return all.find((b) => b.name === bucket.name)?.createdAt ?? null;
      },
      objects: async (bucket: BucketNode, args: ListArgs, c) => {
        const page = await (bucket.listing?.args === JSON.stringify(args) ? bucket.listing.page : listObjects(c, bucket.name, args));
        const nodes = page.objects.map((o) => objectNode(bucket.name, o));
        return { ...connection(nodes, (n) => keyCursor(n.key), page.nextCursor), prefixes: page.prefixes };
      },
      object: async (bucket: { name: string }, { key }: { key: string }, c) => findObject(c, bucket.name, key),
    },

    Object: {
      size: objectField('size'),
      etag: objectField('etag'),
      lastModified: objectField('lastModified'),
      downloadUrl: async (node: ObjectNode, { expiresIn }: { expiresIn: number }, c) => (await services.presign.presign(c.ctx, { bucket: node.bucket, key: node.key, method: 'GET', expiresIn })).url,
      text: async (node: ObjectNode, { maxBytes }: { maxBytes: number }, c) => services.objects.text(c.ctx, node.bucket, node.key, maxBytes),
    },

    Webhook: {
      deliveries: async (webhook: Webhook, args: { status?: DeliveryStatus | null; first?: number | null; after?: string | null }, c) => {
        const page = await services.webhooks.deliveries(c.ctx.tenant.id, webhook.id, { ...present({ status: args.status, cursor: args.after }), limit: pageSize(args.first, 100) });
        return connection(page.deliveries, (d) => d.id, page.nextCursor);
      },
    },

    Mutation: mutations(services, maxContentBytes),

    Subscription: subscriptions(services, slots),
  } as IResolvers<unknown, GraphqlContext>;
}

/** Writes: each the same service call as its REST route. */
function mutations(services: GraphqlServices, maxContentBytes: number): IResolvers<unknown, GraphqlContext>['Mutation'] {
  return {
    createBucket: async (_root, { name }: { name: string }, c) => {
      const outcome = await services.buckets.create(c.ctx, name);
      return { bucket: { name }, created: outcome === 'created' };
    },
    deleteBucket: async (_root, { name, force }: { name: string; force: boolean | null }, c) => {
      await services.buckets.delete(c.ctx, name, force ?? false);
      return true;
    },
    putObject: async (
      _root,
      args: {
        bucket: string;
        key: string;
        content: string;
        encoding: 'UTF8' | 'BASE64' | null;
        contentType?: string | null;
        metadata?: Record<string, string> | null;
        ifNoneMatch?: string | null;
        ifMatch?: string | null;
      },
      c,
    ) => {
      const bytes = decodeContent(args.content, args.encoding ?? 'UTF8');
      if (bytes.length > maxContentBytes) throw new errors.ContentTooLarge(bytes.length, maxContentBytes);
      const stored = await services.objects.put(c.ctx, args.bucket, args.key, {
        body: Readable.from([bytes]),
        contentLength: bytes.length,
        contentType: args.contentType ?? undefined,
        metadata: args.metadata ?? undefined,
        precondition: { ifMatch: args.ifMatch ?? undefined, ifNoneMatch: args.ifNoneMatch ?? undefined },
      });
      return objectNode(stored.bucket, { key: stored.key, size: stored.size, etag: stored.etag });
    },
    createUploadUrl: async (_root, args: RefInput & { contentType?: string | null; expiresIn: number; protocol: 'PUT' | 'TUS' }, c) =>
      services.presign.presign(c.ctx, { bucket: args.bucket, key: args.key, method: args.protocol, expiresIn: args.expiresIn, contentType: args.contentType ?? undefined }),
    putObjectTags: async (_root, { bucket, key, tags }: RefInput & { tags: Record<string, string> }, c) => {
      await services.objects.putTags(c.ctx, bucket, key, tags);
      return tags;
    },
    deleteObjectVersion: async (_root, { bucket, key, versionId }: RefInput & { versionId: string }, c) => {
      await services.objects.deleteVersion(c.ctx, bucket, key, versionId);
      return true;
    },
    deleteObject: async (_root, { bucket, key }: RefInput, c) => {
      await services.objects.delete(c.ctx, bucket, key);
      return true;
    },
    deleteObjects: async (_root, { bucket, keys }: { bucket: string; keys: string[] }, c) => services.objects.deleteMany(c.ctx, bucket, keys),
    copyObject: async (_root, { source, destination }: { source: RefInput; destination: RefInput }, c) => {
      const out = await services.objects.copy(c.ctx, source, destination, false);
      return objectNode(out.bucket, { key: out.key, etag: out.etag });
    },
    moveObject: async (_root, { source, destination }: { source: RefInput; destination: RefInput }, c) => {
      const out = await services.objects.copy(c.ctx, source, destination, true);
      return objectNode(out.bucket, { key: out.key, etag: out.etag });
    },

    createWebhook: async (_root, { input }: { input: WebhookInputArgs }, c) => withSecret(await services.webhooks.create(c.ctx.tenant.id, webhookInput(input) as WebhookInput)),
    updateWebhook: async (_root, { id, input }: { id: string; input: WebhookInputArgs }, c) => {
      const patch = webhookInput(input);
      if (Object.keys(patch).length === 0) throw new errors.Validation('input must set at least one of url, kind, events, filter, format, destination, description, enabled');
      return services.webhooks.update(c.ctx.tenant.id, id, patch);
    },
    deleteWebhook: async (_root, { id }: { id: string }, c) => {
      await services.webhooks.delete(c.ctx.tenant.id, id);
      return true;
    },
    rotateWebhookSecret: async (_root, { id }: { id: string }, c) => withSecret(await services.webhooks.rotateSecret(c.ctx.tenant.id, id)),
    testWebhook: async (_root, { id }: { id: string }, c) => services.webhooks.test(c.ctx.tenant.id, id),
    retryDelivery: async (_root, { webhookId, deliveryId }: { webhookId: string; deliveryId: string }, c) => {
      await services.webhooks.retry(c.ctx.tenant.id, webhookId, deliveryId);
      return services.webhooks.delivery(c.ctx.tenant.id, webhookId, deliveryId);
    },
    replayWebhook: async (_root, { id, since, until }: { id: string; since: string; until?: string | null }, c) => services.webhooks.replay(c.ctx.tenant.id, id, since, until ?? undefined),
  } as IResolvers<unknown, GraphqlContext>['Mutation'];
}

type EventsArgs = { bucket?: string | null; prefix?: string | null; types?: string[] | null; after?: string | null; since?: string | null };
type EventPayload = { objectEvents: ObjectEvent };

/**
 * objectEvents: the tenant's events as they are recorded, within the socket's subscription slots;
 * with `after` or `since`, the log's events from there first, then live, with no gap and no duplicate.
 */
function subscriptions(services: GraphqlServices, slots: SubscriptionSlots): IResolvers<unknown, GraphqlContext>['Subscription'] {
  return {
    objectEvents: {
      subscribe: mercurius.withFilter(
        async (_root: unknown, args: EventsArgs, c: GraphqlContext) => {
          try {
            if (!c.tenant) throw new errors.Unauthorized('Send { "authorization": "Bearer <apiKey>" } as the connection_init payload');
            if (args.bucket) validateBucketName(args.bucket);
            if (args.types) validatePatterns(args.types);
            const from = checkResumeFrom(present({ after: args.after, since: args.since }));
            const tenantId = c.tenant.id;
            // Subscribed before the log is read, so nothing recorded in between is missed.
            const live = (await slots.hold(tenantId, c.socket, () => c.pubsub.subscribe(eventsTopic(tenantId)))) as AsyncIterable<EventPayload>;
            if (from.after === undefined && from.since === undefined) return live;
            return resume(
              services.events,
              tenantId,
              from,
              live,
              (p) => p.objectEvents,
              (e) => ({ objectEvents: e }),
            );
          } catch (err) {
            // mercurius sends a failed subscribe as it is, without the error formatter: carry the code along.
            throw isGatewayError(err) ? Object.assign(err, { extensions: { code: err.code } }) : err;
          }
        },
        (payload: EventPayload, args: EventsArgs) => {
          const e = payload.objectEvents;
          return (!args.types || typeMatches(args.types, e.type)) && filterMatches(present({ bucket: args.bucket, prefix: args.prefix }), e.data);
        },
      ),
    },
  } as IResolvers<unknown, GraphqlContext>['Subscription'];
}

/** contentType and metadata of listed objects: batched per tick, looked up a bounded number at a time. */
export const loaders: MercuriusLoaders<GraphqlContext> = {
  Object: {
    contentType: async (queries: { obj: ObjectNode }[], c: GraphqlContext) => (await c.lookups.many(queries.map((q) => q.obj))).map((r) => (r instanceof Error ? r : r.contentType)),
    metadata: async (queries: { obj: ObjectNode }[], c: GraphqlContext) => (await c.lookups.many(queries.map((q) => q.obj))).map((r) => (r instanceof Error ? r : r.metadata)),
  },
};

/** A Bucket as resolved: its name, and the listing already made when the query asked only for that. */
interface BucketNode {
  name: string;
  createdAt?: Date | null;
  listing?: { args: string; page: Promise<ListResult> };
}

/**
 * The arguments of `objects` when it is the only field asked of this bucket besides name and
 * __typename (no fragments, no alias twice); otherwise undefined.
 */
function soleListingArgs(info: GraphQLResolveInfo): ListArgs | undefined {
  if (info.fieldNodes.length !== 1) return undefined;
  const selections = info.fieldNodes[0].selectionSet?.selections ?? [];
  let listing: FieldNode | undefined;
  for (const sel of selections) {
    if (sel.kind !== Kind.FIELD) return undefined;
    if (sel.name.value === 'objects') {
      if (listing) return undefined;
      listing = sel;
    } else if (sel.name.value !== 'name' && sel.name.value !== '__typename') return undefined;
  }
  const type = info.schema.getType('Bucket');
  if (!listing || !isObjectType(type)) return undefined;
  return getArgumentValues(type.getFields().objects, listing, info.variableValues) as ListArgs;
}

/** A Relay connection over one page of a listing. */
function connection<T>(nodes: T[], cursorOf: (n: T) => string, nextCursor: string | null) {
  const edges = nodes.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: { hasNextPage: nextCursor !== null, endCursor: nextCursor ?? edges.at(-1)?.cursor ?? null },
  };
}
