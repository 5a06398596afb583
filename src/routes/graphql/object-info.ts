import { errors } from '../../errors.js';
import type { ObjectInfo } from '../../model/object-store.js';
import type { RequestContext } from '../../model/context.js';
import type { ObjectService } from '../../services/objects.js';

/** An Object node: what a listing, a HEAD or a write already told, plus where to ask for the rest. */
export interface ObjectNode {
  bucket: string;
  key: string;
  size?: number;
  etag?: string;
  lastModified?: Date;
  contentType?: string;
  metadata?: Record<string, string>;
}

/**
 * The details of objects that one GraphQL request needs but a listing does not give (contentType,
 * metadata; size and date after a copy): one HEAD per object, each object asked once per request,
 * at most `concurrency` at a time and at most `max` in all, so a page of 1000 objects cannot open
 * 1000 requests at once and a deep query cannot make unbounded ones.
 */
export class ObjectInfoLoader {
  readonly #cache = new Map<string, Promise<ObjectInfo>>();
  readonly #waiting: (() => void)[] = [];
  #active = 0;

  constructor(
    private readonly objects: ObjectService,
    private readonly ctx: RequestContext,
    private readonly opts: { concurrency: number; max: number },
  ) {}

  /** The node's own fields when it has them, else its HEAD. */
  async info(node: ObjectNode): Promise<ObjectNode & ObjectInfo> {
    if (node.contentType !== undefined && node.metadata !== undefined && node.size !== undefined && node.etag !== undefined && node.lastModified !== undefined) {
      return node as ObjectNode & ObjectInfo;
    }
    return { ...(await this.load(node.bucket, node.key)), ...definedOf(node), bucket: node.bucket };
  }

  /** For mercurius loaders: every settled result in order, a failure as its Error (a field error). */
  many(nodes: ObjectNode[]): Promise<((ObjectNode & ObjectInfo) | Error)[]> {
    return Promise.all(nodes.map((n) => this.info(n).catch((err: Error) => err)));
  }

  load(bucket: string, key: string): Promise<ObjectInfo> {
    const id = `${bucket}\n${key}`;
    let p = this.#cache.get(id);
    if (!p) {
      if (this.#cache.size >= this.opts.max) return Promise.reject(new errors.TooManyLookups(this.opts.max));
      p = this.#limited(async () => {
        const res = await this.objects.head(this.ctx, bucket, key);
        if (res.status !== 200) throw new errors.Internal();
        return res.info;
      });
      this.#cache.set(id, p);
    }
    return p;
  }

  async #limited<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#active >= this.opts.concurrency) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#active++;
    try {
      return await fn();
    } finally {
      this.#active--;
      this.#waiting.shift()?.();
    }
  }
}

function definedOf(node: ObjectNode): Partial<ObjectNode> {
  return Object.fromEntries(Object.entries(node).filter(([, v]) => v !== undefined));
}
