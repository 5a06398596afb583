import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { isBlockedAddress } from '../ssrf.js';

/** A broker connection as the pool keeps it. */
export interface Connection {
  /** Whether it can still publish (a closed or failed one is replaced on the next send). */
  usable(): boolean;
  close(): Promise<void>;
}

interface Entry<C extends Connection> {
  tenant: string;
  connection: Promise<C>;
  lastUsed: number;
}

/**
 * Broker connections, one per tenant and broker (address, user, settings that need a connection of
 * their own), at most `perTenant` for a tenant and `total` in all, the least recently used closed to
 * make room; idle ones closed after `idleMs`. One tenant's brokers never take another tenant's
 * connection; a connection that fails or closes is dropped, and the next delivery connects again
 * (the dispatcher's retry schedule spaces the attempts).
 */
export class BrokerPool<C extends Connection> {
  readonly #entries = new Map<string, Entry<C>>();
  readonly #timer: NodeJS.Timeout;

  constructor(private readonly opts: { perTenant: number; total: number; idleMs: number }) {
    this.#timer = setInterval(() => this.#sweep(), Math.max(1000, Math.min(opts.idleMs, 30_000)));
    this.#timer.unref();
  }

  /**
   * The tenant's connection for `key`, opened with `open` when there is none (or it failed). An open
   * that takes longer than `timeoutMs` fails (and what it opens late is closed), so a connection that
   * never completes is not waited on by every later delivery.
   */
  async get(tenant: string, key: string, open: () => Promise<C>, timeoutMs: number): Promise<C> {
    const id = `${tenant}\n${key}`;
    const found = this.#entries.get(id);
    if (found) {
      // Most recently used last in the map's order, so the first entries are the ones to close.
      this.#entries.delete(id);
      this.#entries.set(id, found);
      found.lastUsed = Date.now();
      const c = await found.connection.catch(() => undefined);
      if (c?.usable()) return c;
      if (this.#entries.get(id) === found) this.#drop(id);
    }
    this.#makeRoom(tenant);
    const opening = open();
    const connection = within(timeoutMs, 'connecting', opening);
    connection.catch(() => opening.then((late) => late.close()).catch(() => {}));
    const entry: Entry<C> = { tenant, connection, lastUsed: Date.now() };
    this.#entries.set(id, entry);
    try {
      return await entry.connection;
    } catch (err) {
      if (this.#entries.get(id) === entry) this.#entries.delete(id);
      throw err;
    }
  }

  /** Forgets a connection that misbehaved (a publish timed out on it) and closes it. */
  discard(tenant: string, key: string): void {
    this.#drop(`${tenant}\n${key}`);
  }

  #makeRoom(tenant: string): void {
    const mine = [...this.#entries].filter(([, e]) => e.tenant === tenant);
    if (mine.length >= this.opts.perTenant) this.#drop(mine[0][0]);
    if (this.#entries.size >= this.opts.total) this.#drop(this.#entries.keys().next().value!);
  }

  #drop(id: string): void {
    const e = this.#entries.get(id);
    if (!e) return;
    this.#entries.delete(id);
    e.connection.then((c) => c.close()).catch(() => {});
  }

  #sweep(): void {
    const before = Date.now() - this.opts.idleMs;
    for (const [id, e] of this.#entries) if (e.lastUsed < before) this.#drop(id);
  }

  get size(): number {
    return this.#entries.size;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    const all = [...this.#entries.values()];
    this.#entries.clear();
    await Promise.allSettled(all.map((e) => e.connection.then((c) => c.close())));
  }
}

/**
 * The address to connect to for a broker's host: the first the name resolves to that the SSRF rules
 * allow (every one when private addresses are allowed). The client connects to that address, so a
 * name cannot resolve to a public address when checked and a private one when connected.
 */
export async function guardedAddress(host: string, allowPrivate: boolean): Promise<string> {
  const bare = host.replace(/^\[|\]$/g, '');
  const addresses: LookupAddress[] = isIP(bare)
    ? [{ address: bare, family: isIP(bare) }]
    : await new Promise((resolve, reject) => dnsLookup(bare, { all: true }, (err, a) => (err ? reject(new Error(`${bare} does not resolve: ${err.message}`)) : resolve(a))));
  const ok = allowPrivate ? addresses : addresses.filter((a) => !isBlockedAddress(a.address));
  if (ok.length === 0) throw new Error(`refused: ${bare} is or resolves only to private or reserved addresses`);
  return ok[0].address;
}

/** What a broker may send on a connection before any publish, and per publish (answers are small). */
const READ_ALLOWANCE = 1024 * 1024;
const READ_PER_PUBLISH = 16 * 1024;

/**
 * Bounds what a broker can make the gateway hold: a broker is the tenant's to choose, and a hostile one
 * could answer with a reply of a gigabyte that the client library would buffer whole. The connection
 * may read READ_ALLOWANCE, and READ_PER_PUBLISH more per publish, up to the allowance; past it the
 * socket is destroyed (the library then drops what it buffered) and the next delivery connects again.
 * Counted as the library reads, so it holds at most the allowance and one chunk.
 */
export function readBudget(socket: { on(event: 'data', fn: (chunk: Buffer) => void): unknown; destroy(err?: Error): unknown } | undefined): ReadBudget {
  let credit = READ_ALLOWANCE;
  let cut: Error | undefined;
  socket?.on('data', (chunk: Buffer) => {
    credit -= chunk.length;
    if (credit >= 0 || cut) return;
    cut = new Error('the broker sent far more than answers to what was published: connection closed');
    socket.destroy(cut);
  });
  return {
    published: () => void (credit = Math.min(READ_ALLOWANCE, credit + READ_PER_PUBLISH)),
    explain: (err) => cut ?? err,
  };
}

export interface ReadBudget {
  /** A publish was sent: its answers are allowed for. */
  published(): void;
  /** The error a publish failed with, or why the connection was cut if it was. */
  explain(err: unknown): unknown;
}

/** Settles with `work`, or rejects after `ms` (the caller drops what may be stuck). */
export function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what}: no answer within ${ms} ms`), { code: 'S3GATE_TIMEOUT' })), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
