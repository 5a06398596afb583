import { createHash, X509Certificate } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { errors } from '../errors.js';
import { hashApiKey, looksLikeApiKey, newApiKey } from '../lib/api-keys.js';
import type { SecretBox } from '../lib/secretbox.js';
import type { CredentialSettings, Driver, PoolSettings, ProxySettings, ResolvedTenant, RetryMode, S3Settings, TenantLimits, TlsSettings } from '../model/tenant.js';
import type { S3SettingsInput, Tenant, TenantCreate, TenantPatch } from '../schema/tenants.js';
import type { TenantRow } from '../store/schema.js';
import type { TenantRepo } from '../store/tenants.js';

/** Settings without secrets (readable in the database); tls and retries included. */
interface StoredS3 {
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  maxAttempts?: number;
  retryMode?: RetryMode;
  tls?: TlsSettings;
  /** Before credential sources: the static key id (its secret in StoredSecrets). */
  accessKeyId?: string;
}

interface StoredSettings {
  s3?: StoredS3;
  pool: Partial<PoolSettings>;
  limits: Partial<TenantLimits>;
}

/** Sealed with the master key. */
interface StoredSecrets {
  credentials?: CredentialSettings;
  proxy?: ProxySettings;
  /** Before credential sources. */
  secretAccessKey?: string;
  sessionToken?: string;
}

export interface TenantDefaults {
  pool: PoolSettings;
  limits: TenantLimits;
  maxAttempts: number;
  retryMode: RetryMode;
  /** Whether tenants may use the process's default AWS credential chain. */
  allowDefaultCredentials: boolean;
  /** Whether tenants may turn TLS certificate verification off. */
  allowInsecureTls: boolean;
}

export interface TenantServiceOptions {
  repo: TenantRepo;
  box: SecretBox;
  defaults: TenantDefaults;
  /** How long lookups are cached; changes made through this process take effect at once. */
  cacheTtlMs: number;
}

const NOT_FOUND = false as const;

/** Checks settings before they are saved (?verify=true): throws when they do not work. */
export type Verify = (tenant: ResolvedTenant) => Promise<void>;

/** Tenants, their settings and API keys: validation, secrets at rest and in-memory lookups. */
export class TenantService {
  readonly #repo: TenantRepo;
  readonly #box: SecretBox;
  readonly #defaults: TenantDefaults;
  readonly #listeners: ((id: string) => void)[] = [];
  readonly #onCreate: ((tenant: ResolvedTenant) => Promise<void>)[] = [];
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

  /** Awaited after a tenant is created, before create() answers: whatever must start empty for it. */
  onCreate(fn: (tenant: ResolvedTenant) => Promise<void>): void {
    this.#onCreate.push(fn);
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

  /** The resolved tenant as stored now (not cached): for changes that must not act on a stale copy. */
  async resolveFresh(id: string): Promise<ResolvedTenant> {
    const row = await this.#repo.get(id);
    if (!row) throw new errors.TenantNotFound(id);
    return this.#resolve(row);
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
  async create(input: TenantCreate, opts: { apiKey?: string; verify?: Verify } = {}): Promise<{ tenant: Tenant; apiKey: string; apiKeyId: string }> {
    const driver = input.driver ?? (input.s3 ? 's3' : 'disk');
    const now = new Date().toISOString();
    const row = this.#toRow(input.id, driver, input.s3 ? this.#s3From(input.s3, undefined) : undefined, input.pool ?? {}, input.limits ?? {}, 1, now, now);
    const key = opts.apiKey !== undefined ? this.#givenKey(opts.apiKey) : newApiKey();
    await opts.verify?.(this.#resolve(row));
    const inserted = await this.#repo.insert(row, { id: key.id, tenant_id: row.id, hash: key.hash, created_at: now, revoked_at: null });
    if (!inserted) throw new errors.TenantExists(input.id);
    this.#changed(row.id);
    for (const fn of this.#onCreate) await fn(this.#resolve(row));
    return { tenant: this.toPublic(this.#resolve(row)), apiKey: key.apiKey, apiKeyId: key.id };
  }

  /** Applies a partial change; new requests use the new settings at once, in-flight ones finish on the old. */
  async patch(id: string, patch: TenantPatch, opts: { verify?: Verify } = {}): Promise<Tenant> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const row = await this.#repo.get(id);
      if (!row) throw new errors.TenantNotFound(id);
      const current = this.#resolve(row);
      const stored = JSON.parse(row.settings) as StoredSettings;
      const driver = patch.driver ?? current.driver;
      const s3 = patch.s3 ? this.#s3From(patch.s3, current.s3) : current.s3;
      const next = this.#toRow(id, driver, s3, { ...stored.pool, ...patch.pool }, { ...stored.limits, ...patch.limits }, row.version + 1, row.created_at, new Date().toISOString());
      await opts.verify?.(this.#resolve(next));
      if (await this.#repo.update(next, row.version)) {
        this.#changed(id);
        return this.toPublic(this.#resolve(next));
      }
    }
    throw new errors.InvalidTenant(`tenant '${id}' is being changed concurrently; retry`);
  }

  /** Deletes the tenant row; the database removes every row of the tenant with it (ON DELETE CASCADE). */
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

  /** The tenant's API keys: which exist and when they were made or revoked; the keys themselves are never kept. */
  async listKeys(tenantId: string): Promise<{ id: string; createdAt: string; revokedAt: string | null }[]> {
    if (!(await this.#repo.get(tenantId))) throw new errors.TenantNotFound(tenantId);
    return (await this.#repo.listKeys(tenantId)).map((k) => ({ id: k.id, createdAt: k.created_at, revokedAt: k.revoked_at }));
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
      ...(t.s3 && { s3: publicS3(t.s3) }),
      pool: t.pool,
      limits: t.limits,
      version: t.version,
      createdAt: t.createdAt,
      updatedAt: t.updatedAt,
    };
  }

  /**
   * The S3 settings an input asks for, over the current ones (for a PATCH): credentials are given
   * whole (credentials, or accessKeyId + secretAccessKey); everything else changes field by field.
   */
  #s3From(input: S3SettingsInput, base: S3Settings | undefined): S3Settings {
    let credentials: CredentialSettings | undefined = base?.credentials;
    if (input.credentials) {
      if (input.accessKeyId !== undefined || input.secretAccessKey !== undefined || input.sessionToken !== undefined) {
        throw new errors.InvalidTenant('give s3.credentials or s3.accessKeyId/secretAccessKey, not both');
      }
      const c = input.credentials;
      credentials = c.type === 'assumeRole' ? { ...c, source: c.source === 'default' ? 'default' : withoutType(c.source) } : c;
    } else if (input.accessKeyId !== undefined || input.secretAccessKey !== undefined || input.sessionToken !== undefined) {
      const current = base?.credentials.type === 'static' ? base.credentials : undefined;
      const accessKeyId = input.accessKeyId ?? current?.accessKeyId;
      const keyChanged = input.accessKeyId !== undefined && input.accessKeyId !== current?.accessKeyId;
      if (keyChanged && input.secretAccessKey === undefined) throw new errors.InvalidTenant('s3.accessKeyId changed without s3.secretAccessKey; send both');
      const secretAccessKey = input.secretAccessKey ?? current?.secretAccessKey;
      if (!accessKeyId || !secretAccessKey) throw new errors.InvalidTenant('s3 needs accessKeyId and secretAccessKey, or credentials');
      const sessionToken = keyChanged ? input.sessionToken : (input.sessionToken ?? current?.sessionToken);
      credentials = { type: 'static', accessKeyId, secretAccessKey, ...(sessionToken && { sessionToken }) };
    }
    if (!credentials) throw new errors.InvalidTenant('s3 needs credentials: accessKeyId and secretAccessKey, or credentials { type: static | assumeRole | default }');
    const usesDefault = credentials.type === 'default' || (credentials.type === 'assumeRole' && credentials.source === 'default');
    if (usesDefault && !this.#defaults.allowDefaultCredentials) {
      throw new errors.InvalidTenant(
        "credentials from the default provider chain would lend the gateway's own AWS identity to this tenant; an operator must allow them with S3GATE_ALLOW_DEFAULT_CREDENTIALS=true",
      );
    }
    const endpoint = 'endpoint' in input ? input.endpoint?.replace(/\/+$/, '') : base?.endpoint;
    const tls = input.tls === null ? undefined : input.tls ? { ...base?.tls, ...input.tls, rejectUnauthorized: input.tls.rejectUnauthorized ?? base?.tls?.rejectUnauthorized ?? true } : base?.tls;
    if (tls?.rejectUnauthorized === false && !this.#defaults.allowInsecureTls) {
      throw new errors.InvalidTenant('s3.tls.rejectUnauthorized: false turns certificate checks off; an operator must allow it with S3GATE_ALLOW_INSECURE_TLS=true (or give s3.tls.caBundle instead)');
    }
    if (tls?.caBundle) checkPem(tls.caBundle);
    const given = typeof input.proxy === 'string' ? { url: input.proxy } : input.proxy;
    const proxy = given === null ? undefined : given ? { url: given.url, noProxy: given.noProxy ?? [] } : base?.proxy;
    return {
      ...(endpoint && { endpoint }),
      region: input.region ?? base?.region ?? 'us-east-1',
      forcePathStyle: input.forcePathStyle ?? base?.forcePathStyle ?? Boolean(endpoint),
      credentials,
      ...(proxy && { proxy }),
      maxAttempts: input.maxAttempts ?? base?.maxAttempts ?? this.#defaults.maxAttempts,
      retryMode: input.retryMode ?? base?.retryMode ?? this.#defaults.retryMode,
      ...(tls && { tls }),
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

  #toRow(id: string, driver: Driver, s3: S3Settings | undefined, pool: Partial<PoolSettings>, limits: Partial<TenantLimits>, version: number, createdAt: string, updatedAt: string): TenantRow {
    if (driver === 's3' && !s3) throw new errors.InvalidTenant("driver 's3' needs s3 settings (endpoint, region and credentials)");
    const settings: StoredSettings = { pool, limits };
    let secrets: StoredSecrets | undefined;
    if (s3) {
      const { credentials, proxy, ...rest } = s3;
      settings.s3 = rest;
      secrets = { credentials, ...(proxy && { proxy }) };
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
      ...(settings.s3 && secrets && { s3: this.#openS3(settings.s3, secrets) }),
      pool: { ...this.#defaults.pool, ...settings.pool },
      limits: this.#limits(settings.limits),
      version: row.version,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  /** A tenant's own limits over the defaults; a tenant that sets only a rate gets a burst of twice it. */
  #limits(own: Partial<TenantLimits>): TenantLimits {
    const d = this.#defaults.limits;
    const requestsPerSecond = own.requestsPerSecond ?? d.requestsPerSecond;
    const burst = own.burst ?? (own.requestsPerSecond !== undefined ? Math.max(1, Math.ceil(2 * requestsPerSecond)) : d.burst);
    return {
      maxObjectSize: own.maxObjectSize ?? d.maxObjectSize,
      requestsPerSecond,
      burst,
      maxConcurrentUploads: own.maxConcurrentUploads ?? d.maxConcurrentUploads,
      maxResumableUploads: own.maxResumableUploads ?? d.maxResumableUploads,
    };
  }

  #openS3(stored: StoredS3, secrets: StoredSecrets): S3Settings {
    const { accessKeyId, ...rest } = stored;
    // Rows written before credential sources keep a static key in two halves.
    const credentials: CredentialSettings = secrets.credentials ?? {
      type: 'static',
      accessKeyId: accessKeyId ?? '',
      secretAccessKey: secrets.secretAccessKey ?? '',
      ...(secrets.sessionToken && { sessionToken: secrets.sessionToken }),
    };
    return {
      ...rest,
      credentials,
      ...(secrets.proxy && { proxy: secrets.proxy }),
      maxAttempts: stored.maxAttempts ?? this.#defaults.maxAttempts,
      retryMode: stored.retryMode ?? this.#defaults.retryMode,
    };
  }
}

const withoutType = ({ accessKeyId, secretAccessKey, sessionToken }: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) => ({
  accessKeyId,
  secretAccessKey,
  ...(sessionToken && { sessionToken }),
});

function checkPem(pem: string) {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new errors.InvalidTenant('s3.tls.caBundle must hold PEM certificates (-----BEGIN CERTIFICATE-----…)');
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (err) {
      throw new errors.InvalidTenant(`s3.tls.caBundle holds a certificate that cannot be read: ${(err as Error).message}`);
    }
  }
}

/** A URL without its password. */
function redactUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

function publicS3(s3: S3Settings): NonNullable<Tenant['s3']> {
  const c = s3.credentials;
  return {
    endpoint: s3.endpoint ?? null,
    region: s3.region,
    forcePathStyle: s3.forcePathStyle,
    ...(c.type === 'static' && { accessKeyId: c.accessKeyId }),
    credentials:
      c.type === 'static'
        ? { type: 'static', accessKeyId: c.accessKeyId }
        : c.type === 'default'
          ? { type: 'default' }
          : {
              type: 'assumeRole',
              roleArn: c.roleArn,
              ...(c.sessionName && { sessionName: c.sessionName }),
              ...(c.durationSeconds && { durationSeconds: c.durationSeconds }),
              ...(c.stsEndpoint && { stsEndpoint: c.stsEndpoint }),
              externalId: Boolean(c.externalId),
              source: c.source === 'default' ? 'default' : { accessKeyId: c.source.accessKeyId },
            },
    ...(s3.proxy && { proxy: { url: redactUrl(s3.proxy.url), noProxy: s3.proxy.noProxy } }),
    maxAttempts: s3.maxAttempts,
    retryMode: s3.retryMode,
    ...(s3.tls && {
      tls: { ...(s3.tls.caBundle && { caBundleSha256: createHash('sha256').update(s3.tls.caBundle).digest('hex') }), rejectUnauthorized: s3.tls.rejectUnauthorized },
    }),
  };
}
