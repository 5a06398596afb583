import { errors, withHeaders } from '../errors.js';
import type { ResolvedTenant } from '../model/tenant.js';
import { Circuit, type CircuitState } from './circuit.js';
import type { ObjectStore } from '../model/object-store.js';

/** Makes a tenant's store; `reached` is told whether each S3 request reached the endpoint (its circuit). */
export type StoreFactory = (tenant: ResolvedTenant, reached: (ok: boolean) => void) => ObjectStore;

export interface TenantPoolOptions {
  factory: StoreFactory;
  /** Most tenants with a live client; the least recently used idle one is closed beyond it. */
  maxTenants: number;
  /** A client unused this long is closed. */
  idleMs: number;
  onError?: (err: unknown, tenantId: string) => void;
  /** Called when a request is refused because the tenant is at its limit. */
  onReject?: (tenantId: string) => void;
  circuit: { failures: number; cooldownMs: number; onChange?: (tenantId: string, state: CircuitState) => void };
}

/** A tenant's admission to its pool; release() exactly once when the S3 work (including a body) is done. */
export interface Lease {
  store: ObjectStore;
  release(): void;
}

interface Entry {
  tenant: ResolvedTenant;
  store: ObjectStore;
  inFlight: number;
  lastUsed: number;
  retired: boolean;
}

export interface PoolEntryStats {
  tenantId: string;
  driver: string;
  inFlight: number;
  sockets: { inUse: number; free: number; queued: number };
}

export interface TenantPoolStats {
  active: boolean;
  inFlight: number;
  sockets: { inUse: number; free: number; queued: number };
  draining: number;
}

/**
 * One ObjectStore (S3Client + bounded agent) per tenant, created on first use, kept in an LRU and closed
 * when idle, evicted, replaced by a newer tenant version, or at shutdown. Creation is synchronous, so
 * concurrent first requests of a tenant share one client. A replaced client is closed once the
 * requests it carries have finished.
 */
export class TenantPool {
  readonly #opts: TenantPoolOptions;
  readonly #live = new Map<string, Entry>();
  readonly #draining = new Set<Entry>();
  readonly #circuits = new Map<string, Circuit>();
  readonly #sweep: NodeJS.Timeout;
  #closed = false;

  constructor(opts: TenantPoolOptions) {
    this.#opts = opts;
    this.#sweep = setInterval(() => this.#evictIdle(), Math.max(50, Math.floor(opts.idleMs / 2)));
    this.#sweep.unref();
  }

  /**
   * Admits one request of this tenant, or throws TenantBusy (503, Retry-After) when the tenant already has
   * maxSockets + maxQueue requests in flight. Only this tenant is refused.
   */
  lease(tenant: ResolvedTenant, opts: { bypassCircuit?: boolean } = {}): Lease {
    if (this.#closed) throw new errors.ShuttingDown();
    const circuit = this.circuit(tenant.id);
    const admitted = opts.bypassCircuit ? { probe: false } : circuit.admit();
    if ('refusedForSeconds' in admitted) {
      this.#opts.onReject?.(tenant.id);
      throw withHeaders(new errors.TenantUnavailable(tenant.id, circuit.consecutiveFailures || this.#opts.circuit.failures, admitted.refusedForSeconds), {
        'retry-after': String(admitted.refusedForSeconds),
      });
    }
    const entry = this.#entry(tenant);
    const limit = tenant.pool.maxSockets + tenant.pool.maxQueue;
    if (entry.inFlight >= limit) {
      if (admitted.probe) circuit.probeEnded();
      this.#opts.onReject?.(tenant.id);
      throw withHeaders(new errors.TenantBusy(tenant.id, entry.inFlight), { 'retry-after': '1' });
    }
    entry.inFlight++;
    entry.lastUsed = Date.now();
    let released = false;
    return {
      store: entry.store,
      release: () => {
        if (released) return;
        released = true;
        if (admitted.probe) circuit.probeEnded();
        entry.inFlight--;
        entry.lastUsed = Date.now();
        if (entry.retired && entry.inFlight === 0) this.#close(entry);
      },
    };
  }

  /** The tenant's circuit breaker (kept across client versions; reset when the tenant changes). */
  circuit(tenantId: string): Circuit {
    let circuit = this.#circuits.get(tenantId);
    if (!circuit) {
      const { failures, cooldownMs, onChange } = this.#opts.circuit;
      circuit = new Circuit({ failures, cooldownMs, onChange: (state) => onChange?.(tenantId, state) });
      this.#circuits.set(tenantId, circuit);
    }
    return circuit;
  }

  /** Runs fn on a store made for these settings alone (not pooled, not counted): to verify settings before saving them. */
  async detached<T>(tenant: ResolvedTenant, fn: (store: ObjectStore) => Promise<T>): Promise<T> {
    const store = this.#opts.factory(tenant, () => {});
    try {
      return await fn(store);
    } finally {
      await store.close().catch((err) => this.#opts.onError?.(err, tenant.id));
    }
  }

  /** Replaces the tenant's client on its next request (settings changed or tenant deleted). */
  invalidate(tenantId: string): void {
    // New settings (a fixed endpoint) deserve a fresh start.
    this.#circuits.delete(tenantId);
    const entry = this.#live.get(tenantId);
    if (entry) this.#retire(entry);
  }

  stats(tenantId: string): TenantPoolStats {
    const entry = this.#live.get(tenantId);
    const draining = [...this.#draining].filter((e) => e.tenant.id === tenantId);
    return {
      active: Boolean(entry),
      inFlight: (entry?.inFlight ?? 0) + draining.reduce((n, e) => n + e.inFlight, 0),
      sockets: entry ? entry.store.stats() : { inUse: 0, free: 0, queued: 0 },
      draining: draining.length,
    };
  }

  /** Live tenants, for metrics. */
  *entries(): IterableIterator<PoolEntryStats> {
    for (const e of this.#live.values()) yield { tenantId: e.tenant.id, driver: e.tenant.driver, inFlight: e.inFlight, sockets: e.store.stats() };
  }

  get size(): number {
    return this.#live.size;
  }

  /** Closes every client; call after the server stopped taking requests and drained. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweep);
    const all = [...this.#live.values(), ...this.#draining];
    this.#live.clear();
    this.#draining.clear();
    await Promise.all(all.map((e) => e.store.close().catch((err) => this.#opts.onError?.(err, e.tenant.id))));
  }

  #entry(tenant: ResolvedTenant): Entry {
    const current = this.#live.get(tenant.id);
    // A request may carry a tenant read from a cache before a change: never go back to an older version.
    if (current && current.tenant.version >= tenant.version) {
      this.#live.delete(tenant.id);
      this.#live.set(tenant.id, current);
      return current;
    }
    if (current) this.#retire(current);
    const circuit = this.circuit(tenant.id);
    const entry: Entry = { tenant, store: this.#opts.factory(tenant, (ok) => circuit.record(ok)), inFlight: 0, lastUsed: Date.now(), retired: false };
    this.#live.set(tenant.id, entry);
    if (this.#live.size > this.#opts.maxTenants) this.#evictLeastRecent();
    return entry;
  }

  #evictLeastRecent() {
    for (const e of this.#live.values()) {
      if (this.#live.size <= this.#opts.maxTenants) return;
      if (e.inFlight === 0) this.#retire(e);
    }
  }

  #evictIdle() {
    const before = Date.now() - this.#opts.idleMs;
    for (const e of [...this.#live.values()]) if (e.inFlight === 0 && e.lastUsed < before) this.#retire(e);
  }

  #retire(entry: Entry) {
    if (entry.retired) return;
    entry.retired = true;
    const id = entry.tenant.id;
    if (this.#live.get(id) === entry) this.#live.delete(id);
    // A closed circuit that counted no failure is what a new one would be: none is kept for a tenant
    // without a client, so 100,000 tenants that each made a request hold 100,000 of nothing.
    const circuit = this.#circuits.get(id);
    if (circuit?.state === 'closed' && circuit.consecutiveFailures === 0 && !this.#live.has(id)) this.#circuits.delete(id);
    if (entry.inFlight === 0) this.#close(entry);
    else this.#draining.add(entry);
  }

  #close(entry: Entry) {
    this.#draining.delete(entry);
    entry.store.close().catch((err) => this.#opts.onError?.(err, entry.tenant.id));
  }
}
