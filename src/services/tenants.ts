import { LRUCache } from 'lru-cache';
import { errors } from '../errors.js';
import { hashApiKey, looksLikeApiKey, newApiKey } from '../lib/api-keys.js';
import type { SecretBox } from '../lib/secretbox.js';
import type { Tenant, TenantCreate, TenantPatch } from '../schema/tenants.js';
import type { TenantRow } from '../store/schema.js';
import type { TenantRepo } from '../store/tenants.js';

export interface PoolSettings {
  maxSockets: number;
  maxQueue: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
}

export interface StaticCredentials {
  type: 'static';
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3Settings {
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  credentials: StaticCredentials;
}

/** A tenant with its secrets opened and its settings resolved against the defaults: what the pool uses. */
export interface ResolvedTenant {
  id: string;
  driver: 's3' | 'disk';
  s3?: S3Settings;
  pool: PoolSettings;
  limits: { maxObjectSize: number };
  version: number;
  createdAt: string;
  updatedAt: string;
}

interface StoredSettings {
  s3?: { endpoint?: string; region: string; forcePathStyle: boolean; accessKeyId: string };
  pool: Partial<PoolSettings>;
  limits: { maxObjectSize?: number };
}

interface StoredSecrets {
  secretAccessKey: string;
  sessionToken?: string;
}

export interface TenantDefaults {
  pool: PoolSettings;
  maxObjectSize: number;
}

export interface TenantServiceOptions {
  repo: TenantRepo;
  box: SecretBox;
  defaults: TenantDefaults;
  /** How long lookups are cached; changes made through this process take effect at once. */
  cacheTtlMs: number;
}

const NOT_FOUND = false as const;

/** Tenants, their settings and API keys: validation, secrets at rest and in-memory lookups. */
export class TenantService {
  readonly #repo: TenantRepo;
  readonly #box: SecretBox;
  readonly #defaults: TenantDefaults;
  readonly #listeners: ((id: string) => void)[] = [];
  readonly #tenants: LRUCache<string, ResolvedTenant | typeof NOT_FOUND>;
  readonly #keys: LRUCache<string, string | typeof NOT_FOUND>;

  constructor(opts: TenantServiceOptions) {
    this.#repo = opts.repo;
    this.#box = opts.box;
    this.#defaults = opts.defaults;
    const ttl = Math.max(1, opts.cacheTtlMs);
    // fetch() of lru-cache shares one load among concurrent callers (single flight).
    this.#tenants = new LRUCache({
      max: 10000,
      ttl,
      fetchMethod: async (id) => {
        const row = await this.#repo.get(id);
        return row ? this.#resolve(row) : NOT_FOUND;
      },
    });
    this.#keys = new LRUCache({
      max: 100000,
      ttl,
      fetchMethod: async (hash) => (await this.#repo.tenantIdForKeyHash(hash))?.tenantId ?? NOT_FOUND,
    });
  }

  /** Calls fn after a tenant changed or was deleted, so live clients can be replaced. */
  onChange(fn: (id: string) => void): void {
    this.#listeners.push(fn);
  }

  /** The tenant an API key belongs to, or undefined for an unknown or revoked key. */
  async authenticate(apiKey: string): Promise<ResolvedTenant | undefined> {
    if (!looksLikeApiKey(apiKey)) return undefined;
    const tenantId = await this.#keys.fetch(hashApiKey(apiKey));
    if (!tenantId) return undefined;
    return (await this.#tenants.fetch(tenantId)) || undefined;
  }

  /** The resolved tenant (cached). */
  async resolve(id: string): Promise<ResolvedTenant> {
    const t = await this.#tenants.fetch(id);
    if (!t) throw new errors.TenantNotFound(id);
    return t;
  }

  async list(): Promise<Tenant[]> {
    return (await this.#repo.list()).map((row) => this.toPublic(this.#resolve(row)));
  }

  async get(id: string): Promise<Tenant> {
    const row = await this.#repo.get(id);
    if (!row) throw new errors.TenantNotFound(id);
    return this.toPublic(this.#resolve(row));
  }

  async count(): Promise<number> {
    return this.#repo.count();
  }

  /** Creates a tenant with a first API key (given, as from a config file, or generated). */
  async create(input: TenantCreate, opts: { apiKey?: string } = {}): Promise<{ tenant: Tenant; apiKey: string; apiKeyId: string }> {
    const driver = input.driver ?? (input.s3 ? 's3' : 'disk');
    const now = new Date().toISOString();
    const row = this.#toRow(input.id, driver, input.s3, input.pool ?? {}, input.limits ?? {}, 1, now, now);
    const key = opts.apiKey !== undefined ? this.#givenKey(opts.apiKey) : newApiKey();
    const inserted = await this.#repo.insert(row, { id: key.id, tenant_id: row.id, hash: key.hash, created_at: now, revoked_at: null });
    if (!inserted) throw new errors.TenantExists(input.id);
    this.#changed(row.id);
    return { tenant: this.toPublic(this.#resolve(row)), apiKey: key.apiKey, apiKeyId: key.id };
  }

  /** Applies a partial change; new requests use the new settings at once, in-flight ones finish on the old. */
  async patch(id: string, patch: TenantPatch): Promise<Tenant> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const row = await this.#repo.get(id);
      if (!row) throw new errors.TenantNotFound(id);
      const current = this.#resolve(row);
      const stored = JSON.parse(row.settings) as StoredSettings;
      const driver = patch.driver ?? current.driver;
      let s3: TenantCreate['s3'] | undefined;
      if (patch.s3 || current.s3) {
        const base = current.s3;
        const p = patch.s3 ?? {};
        const accessKeyId = p.accessKeyId ?? base?.credentials.accessKeyId;
        const keyChanged = p.accessKeyId !== undefined && p.accessKeyId !== base?.credentials.accessKeyId;
        if (keyChanged && p.secretAccessKey === undefined) {
          throw new errors.InvalidTenant('s3.accessKeyId changed without s3.secretAccessKey; send both');
        }
        const secretAccessKey = p.secretAccessKey ?? base?.credentials.secretAccessKey;
        if (!accessKeyId || !secretAccessKey) throw new errors.InvalidTenant('s3 needs accessKeyId and secretAccessKey');
        const endpoint = 'endpoint' in p ? p.endpoint : base?.endpoint;
        s3 = {
          endpoint,
          region: p.region ?? base?.region ?? 'us-east-1',
          forcePathStyle: p.forcePathStyle ?? stored.s3?.forcePathStyle,
          accessKeyId,
          secretAccessKey,
          sessionToken: keyChanged ? p.sessionToken : (p.sessionToken ?? base?.credentials.sessionToken),
        };
      }
      const next = this.#toRow(
        id,
        driver,
        s3,
        { ...stored.pool, ...patch.pool },
        { ...stored.limits, ...patch.limits },
        row.version + 1,
        row.created_at,
        new Date().toISOString(),
      );
      if (await this.#repo.update(next, row.version)) {
        this.#changed(id);
        return this.toPublic(this.#resolve(next));
      }
    }
    throw new errors.InvalidTenant(`tenant '${id}' is being changed concurrently; retry`);
  }

  async delete(id: string): Promise<void> {
    const hashes = await this.#repo.keyHashes(id);
    if (!(await this.#repo.delete(id))) throw new errors.TenantNotFound(id);
    for (const h of hashes) this.#keys.delete(h);
    this.#changed(id);
  }

  async createKey(tenantId: string): Promise<{ id: string; apiKey: string }> {
    if (!(await this.#repo.get(tenantId))) throw new errors.TenantNotFound(tenantId);
    const key = newApiKey();
    await this.#repo.addKey({ id: key.id, tenant_id: tenantId, hash: key.hash, created_at: new Date().toISOString(), revoked_at: null });
    return { id: key.id, apiKey: key.apiKey };
  }

  /** Adds a key chosen by the operator (config file); a no-op when it already belongs to this tenant. */
  async ensureKey(tenantId: string, apiKey: string): Promise<void> {
    const key = this.#givenKey(apiKey);
    const owner = await this.#repo.tenantIdForKeyHash(key.hash);
    if (owner?.tenantId === tenantId) return;
    if (owner) throw new errors.InvalidTenant(`the API key given for tenant '${tenantId}' belongs to tenant '${owner.tenantId}'`);
    await this.#repo.addKey({ id: key.id, tenant_id: tenantId, hash: key.hash, created_at: new Date().toISOString(), revoked_at: null });
  }

  async revokeKey(tenantId: string, keyId: string): Promise<void> {
    const hash = await this.#repo.keyHash(tenantId, keyId);
    if (!(await this.#repo.revokeKey(tenantId, keyId, new Date().toISOString()))) throw new errors.KeyNotFound(keyId, tenantId);
    if (hash) this.#keys.delete(hash);
  }

  /** The API view of a tenant: never a secret. */
  toPublic(t: ResolvedTenant): Tenant {
    return {
      id: t.id,
      driver: t.driver,
      ...(t.s3 && {
        s3: { endpoint: t.s3.endpoint ?? null, region: t.s3.region, forcePathStyle: t.s3.forcePathStyle, accessKeyId: t.s3.credentials.accessKeyId },
      }),
      pool: t.pool,
      limits: t.limits,
      version: t.version,
      createdAt: t.createdAt,
      updatedAt: t.updatedAt,
    };
  }

  #givenKey(apiKey: string) {
    if (!looksLikeApiKey(apiKey)) throw new errors.InvalidTenant("a configured API key must look like 's3g_' followed by at least 21 characters");
    return { ...newApiKey(), apiKey, hash: hashApiKey(apiKey) };
  }

  #changed(id: string) {
    this.#tenants.delete(id);
    for (const fn of this.#listeners) fn(id);
  }

  #toRow(
    id: string,
    driver: 's3' | 'disk',
    s3: TenantCreate['s3'],
    pool: Partial<PoolSettings>,
    limits: { maxObjectSize?: number },
    version: number,
    createdAt: string,
    updatedAt: string,
  ): TenantRow {
    if (driver === 's3' && !s3) throw new errors.InvalidTenant("driver 's3' needs s3 settings (endpoint, region, accessKeyId, secretAccessKey)");
    const settings: StoredSettings = { pool, limits };
    let secrets: StoredSecrets | undefined;
    if (s3) {
      settings.s3 = {
        ...(s3.endpoint && { endpoint: s3.endpoint.replace(/\/+$/, '') }),
        region: s3.region ?? 'us-east-1',
        forcePathStyle: s3.forcePathStyle ?? Boolean(s3.endpoint),
        accessKeyId: s3.accessKeyId,
      };
      secrets = { secretAccessKey: s3.secretAccessKey, ...(s3.sessionToken && { sessionToken: s3.sessionToken }) };
    }
    return {
      id,
      driver,
      settings: JSON.stringify(settings),
      secrets: secrets ? this.#box.seal(JSON.stringify(secrets)) : null,
      version,
      created_at: createdAt,
      updated_at: updatedAt,
    };
  }

  #resolve(row: TenantRow): ResolvedTenant {
    const settings = JSON.parse(row.settings) as StoredSettings;
    const secrets = row.secrets ? (JSON.parse(this.#box.open(row.secrets)) as StoredSecrets) : undefined;
    return {
      id: row.id,
      driver: row.driver,
      ...(settings.s3 &&
        secrets && {
          s3: {
            ...(settings.s3.endpoint && { endpoint: settings.s3.endpoint }),
            region: settings.s3.region,
            forcePathStyle: settings.s3.forcePathStyle,
            credentials: { type: 'static' as const, accessKeyId: settings.s3.accessKeyId, ...secrets },
          },
        }),
      pool: { ...this.#defaults.pool, ...settings.pool },
      limits: { maxObjectSize: settings.limits.maxObjectSize ?? this.#defaults.maxObjectSize },
      version: row.version,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }
}
