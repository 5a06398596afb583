import type { WebSocket } from 'ws';
import { errors } from '../../errors.js';

/**
 * Closes a subscription socket whose client does not take what is sent to it: 1013 (Try Again Later:
 * graphql-ws clients reconnect, and GET /v1/events has what they missed), cut a second later if its
 * client does not take the close either. Whatever was waiting for it is let go.
 */
export function closeUnread(socket: WebSocket, why: string): void {
  if (socket.readyState !== socket.OPEN) return;
  socket.close(1013, `${why}: read faster; subscribe again with after: the last event id`.slice(0, 123));
  setTimeout(() => socket.terminate(), 1000).unref();
}

/** What a subscription's events wait in: mercurius's queue, a Readable in object mode. */
interface Queue extends AsyncIterable<unknown> {
  readableLength: number;
  push(chunk: unknown): boolean;
}

const isQueue = (value: unknown): value is Queue => typeof value === 'object' && value !== null && typeof (value as Queue).push === 'function' && typeof (value as Queue).readableLength === 'number';

/**
 * Live GraphQL subscriptions, counted per tenant and for the process: each holds a slot from the
 * moment it subscribes until its iterator ends (the client completes it, the socket closes, the
 * server shuts down), so no tenant can hold more than its share of the process's fan-out work and
 * memory, and the process as a whole holds a bounded number.
 *
 * mercurius sends one message of a subscription at a time and waits until the socket has taken it;
 * the events published meanwhile wait in the subscription's queue, without a bound of their own. A
 * client that never reads would make them pile up: the events waiting for one socket are bounded by
 * `maxUnsentEvents`, past which the socket is closed (closeUnread).
 */
export class SubscriptionSlots {
  readonly #byTenant = new Map<string, number>();
  readonly #queues = new WeakMap<WebSocket, Set<Queue>>();
  #total = 0;

  constructor(private readonly limits: { perTenant: number; perProcess: number; maxUnsentEvents: number }) {}

  /**
   * Takes a slot of the tenant, then subscribes, and holds the slot while the events are iterated;
   * TooManySubscriptions (429) when none is free, before anything is subscribed.
   */
  async hold<T>(tenantId: string, socket: WebSocket | undefined, subscribe: () => Promise<AsyncIterable<T>>): Promise<AsyncIterable<T>> {
    const held = this.#byTenant.get(tenantId) ?? 0;
    if (held >= this.limits.perTenant)
      throw new errors.TooManySubscriptions(`Tenant '${tenantId}' has ${held} live subscriptions in this gateway process, its limit (S3GATE_GRAPHQL_MAX_SUBSCRIPTIONS)`);
    if (this.#total >= this.limits.perProcess)
      throw new errors.TooManySubscriptions(`This gateway process has ${this.#total} live subscriptions, its limit (S3GATE_GRAPHQL_MAX_SUBSCRIPTIONS_PER_PROCESS)`);
    this.#byTenant.set(tenantId, held + 1);
    this.#total++;
    let queue: Queue | undefined;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#total--;
      const left = (this.#byTenant.get(tenantId) ?? 1) - 1;
      if (left > 0) this.#byTenant.set(tenantId, left);
      else this.#byTenant.delete(tenantId);
      if (socket && queue) this.#queues.get(socket)?.delete(queue);
    };
    let events: AsyncIterable<T>;
    try {
      events = await subscribe();
    } catch (err) {
      release();
      throw err;
    }
    if (socket && isQueue(events)) {
      queue = events;
      this.#bound(socket, queue);
    }
    const inner = events[Symbol.asyncIterator]();
    const iterator: AsyncIterableIterator<T> = {
      next: async (...args) => {
        try {
          const r = await inner.next(...args);
          if (r.done) release();
          return r;
        } catch (err) {
          release();
          throw err;
        }
      },
      return: async (value) => {
        release();
        return inner.return ? inner.return(value) : { done: true, value };
      },
      throw: async (err) => {
        release();
        if (inner.throw) return inner.throw(err);
        throw err;
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** Counts what waits for the socket as each event is queued for one of its subscriptions. */
  #bound(socket: WebSocket, queue: Queue): void {
    const queues = this.#queues.get(socket) ?? new Set<Queue>();
    this.#queues.set(socket, queues);
    queues.add(queue);
    const push = queue.push.bind(queue);
    queue.push = (chunk: unknown) => {
      if (chunk === null) return push(chunk);
      let waiting = 1;
      for (const q of queues) waiting += q.readableLength;
      if (waiting > this.limits.maxUnsentEvents) {
        closeUnread(socket, `Over ${this.limits.maxUnsentEvents} events unsent`);
        return false;
      }
      return push(chunk);
    };
  }

  /** Live subscriptions of a tenant (all tenants when none is given) in this process. */
  count(tenantId?: string): number {
    return tenantId === undefined ? this.#total : (this.#byTenant.get(tenantId) ?? 0);
  }
}
