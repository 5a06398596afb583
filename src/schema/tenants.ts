import { Type, type Static } from '@sinclair/typebox';
import { Driver, LimitSettings, PoolSettings, RetryMode, TenantId } from '../model/tenant.js';
import { extend } from './common.js';

const S3Public = {
  endpoint: Type.Optional(Type.String({ format: 'uri', pattern: '^https?://', description: 'S3 endpoint; omit for AWS S3' })),
  region: Type.String({ minLength: 1, default: 'us-east-1' }),
  forcePathStyle: Type.Boolean({ description: 'Path-style URLs; defaults to true when endpoint is set (RGW, MinIO), false for AWS' }),
};

const Secret = (description?: string) => Type.String({ minLength: 1, writeOnly: true, ...(description && { description }) });

const StaticKeys = {
  accessKeyId: Type.String({ minLength: 1 }),
  secretAccessKey: Secret(),
  sessionToken: Type.Optional(Secret('For keys that are themselves temporary')),
};

export const StaticCredentialsInput = Type.Object({ type: Type.Literal('static'), ...StaticKeys }, { additionalProperties: false, title: 'static' });

export const AssumeRoleInput = Type.Object(
  {
    type: Type.Literal('assumeRole'),
    roleArn: Type.String({ minLength: 1, description: 'arn:aws:iam::123456789012:role/NAME (arn:aws:iam:::role/NAME on RGW)' }),
    externalId: Type.Optional(Secret("Sent with AssumeRole when the role's trust policy requires it")),
    sessionName: Type.Optional(Type.String({ minLength: 2, maxLength: 64, pattern: '^[\\w+=,.@-]+$', description: 'Defaults to s3gate-<tenant id>' })),
    durationSeconds: Type.Optional(Type.Integer({ minimum: 900, maximum: 43200, description: 'Lifetime of the temporary credentials (STS default: 3600)' })),
    source: Type.Union(
      [
        Type.Literal('default', { description: "The gateway process's default AWS provider chain (needs S3GATE_ALLOW_DEFAULT_CREDENTIALS=true)" }),
        Type.Object({ type: Type.Optional(Type.Literal('static')), ...StaticKeys }, { additionalProperties: false }),
      ],
      { description: 'Whose credentials call STS' },
    ),
    stsEndpoint: Type.Optional(
      Type.String({ format: 'uri', pattern: '^https?://', description: "STS endpoint; defaults to the tenant's endpoint when it has one (RGW, MinIO), else AWS STS of the region" }),
    ),
  },
  { additionalProperties: false, title: 'assumeRole' },
);

export const DefaultCredentialsInput = Type.Object(
  { type: Type.Literal('default', { description: "The gateway process's own AWS default provider chain; refused unless S3GATE_ALLOW_DEFAULT_CREDENTIALS=true" }) },
  { additionalProperties: false, title: 'default' },
);

export const CredentialsInput = Type.Union([StaticCredentialsInput, AssumeRoleInput, DefaultCredentialsInput], {
  description: 'Where the S3 credentials of this tenant come from; instead of the flat accessKeyId/secretAccessKey',
});

const ProxyInput = Type.Object(
  {
    url: Type.String({ format: 'uri', pattern: '^https?://', writeOnly: true, description: 'http://[user:password@]host:port of an HTTP(S) forward proxy' }),
    noProxy: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Hosts reached directly: exact names, .suffix or *.suffix, or *' })),
  },
  { additionalProperties: false },
);

const TlsInput = Type.Object(
  {
    caBundle: Type.Optional(Type.String({ minLength: 1, description: "PEM certificates trusted (besides the system ones) for this tenant's endpoint: a private CA" })),
    rejectUnauthorized: Type.Optional(Type.Boolean({ description: 'false turns certificate verification off; refused unless S3GATE_ALLOW_INSECURE_TLS=true, and logged as a warning' })),
  },
  { additionalProperties: false },
);

const Network = {
  proxy: Type.Optional(Type.Union([ProxyInput, ProxyInput.properties.url, Type.Null()], { description: 'The proxy, or just its URL (no exclusions); null removes it' })),
  maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10, description: 'Attempts of a retryable S3 request (connection errors, 5xx, throttling); default S3GATE_S3_MAX_ATTEMPTS' })),
  retryMode: Type.Optional(Type.Union(RetryMode.anyOf, { description: "The AWS SDK's retry mode; adaptive also paces requests after throttling" })),
  tls: Type.Optional(Type.Union([TlsInput, Type.Null()], { description: 'null removes it' })),
};

export const S3SettingsInput = Type.Object(
  {
    ...S3Public,
    region: Type.Optional(S3Public.region),
    forcePathStyle: Type.Optional(S3Public.forcePathStyle),
    accessKeyId: Type.Optional(StaticKeys.accessKeyId),
    secretAccessKey: Type.Optional(StaticKeys.secretAccessKey),
    sessionToken: StaticKeys.sessionToken,
    credentials: Type.Optional(CredentialsInput),
    ...Network,
  },
  { additionalProperties: false, description: 'Credentials: either accessKeyId + secretAccessKey (static), or credentials' },
);
export type S3SettingsInput = Static<typeof S3SettingsInput>;

export const S3SettingsPatch = Type.Partial(S3SettingsInput, { additionalProperties: false });

export const TenantCreate = Type.Object(
  {
    id: TenantId,
    driver: Type.Optional(Type.Union(Driver.anyOf, { description: "'s3' (needs s3) or 'disk' (the local-disk driver); defaults to s3 when s3 is given" })),
    s3: Type.Optional(S3SettingsInput),
    pool: Type.Optional(Type.Partial(PoolSettings, { additionalProperties: false })),
    limits: Type.Optional(Type.Partial(LimitSettings, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type TenantCreate = Static<typeof TenantCreate>;

export const TenantPatch = Type.Object(
  {
    driver: Type.Optional(TenantCreate.properties.driver),
    s3: Type.Optional(S3SettingsPatch),
    pool: Type.Optional(Type.Partial(PoolSettings, { additionalProperties: false })),
    limits: Type.Optional(Type.Partial(LimitSettings, { additionalProperties: false })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type TenantPatch = Static<typeof TenantPatch>;

const PublicCredentials = Type.Object(
  {
    type: Type.Union([Type.Literal('static'), Type.Literal('assumeRole'), Type.Literal('default')]),
    accessKeyId: Type.Optional(Type.String()),
    roleArn: Type.Optional(Type.String()),
    sessionName: Type.Optional(Type.String()),
    durationSeconds: Type.Optional(Type.Integer()),
    stsEndpoint: Type.Optional(Type.String()),
    externalId: Type.Optional(Type.Boolean({ description: 'Whether an external id is set (its value is never shown)' })),
    source: Type.Optional(Type.Union([Type.Literal('default'), Type.Object({ accessKeyId: Type.String() }, { additionalProperties: false })])),
  },
  { additionalProperties: false, description: 'The credential source, without any secret' },
);

export const Tenant = Type.Object(
  {
    id: Type.String(),
    driver: Driver,
    s3: Type.Optional(
      Type.Object(
        {
          ...S3Public,
          endpoint: Type.Union([Type.String(), Type.Null()]),
          accessKeyId: Type.Optional(Type.String({ description: 'For static credentials' })),
          credentials: PublicCredentials,
          proxy: Type.Optional(Type.Object({ url: Type.String({ description: 'Without its password' }), noProxy: Type.Array(Type.String()) }, { additionalProperties: false })),
          maxAttempts: Type.Integer(),
          retryMode: RetryMode,
          tls: Type.Optional(
            Type.Object({ caBundleSha256: Type.Optional(Type.String({ description: 'SHA-256 of the CA bundle' })), rejectUnauthorized: Type.Boolean() }, { additionalProperties: false }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    pool: PoolSettings,
    limits: LimitSettings,
    version: Type.Integer({ description: 'Bumped by every change; a change takes effect without a restart' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Tenant', additionalProperties: false },
);
export type Tenant = Static<typeof Tenant>;

export const TenantWithKey = extend(Tenant, { apiKey: Type.String({ description: 'Shown only in this response' }), apiKeyId: Type.String() });

export const ApiKeyList = Type.Object(
  {
    apiKeys: Type.Array(
      Type.Object({ id: Type.String(), createdAt: Type.String({ format: 'date-time' }), revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]) }, { additionalProperties: false }),
      { description: 'Oldest first; the keys themselves are never kept, only their hashes' },
    ),
  },
  { additionalProperties: false },
);

export const ApiKeyCreated = Type.Object({ id: Type.String(), apiKey: Type.String({ description: 'Shown only in this response' }) }, { additionalProperties: false });

export const PoolStats = Type.Object(
  {
    tenant: Type.String(),
    driver: Type.String(),
    active: Type.Boolean({ description: 'Whether a client is live for this tenant (created on first use)' }),
    maxSockets: Type.Integer(),
    maxQueue: Type.Integer(),
    inFlight: Type.Integer({ description: 'Gateway requests of this tenant holding or waiting for an S3 socket' }),
    sockets: Type.Object({ inUse: Type.Integer(), free: Type.Integer(), queued: Type.Integer({ description: 'Requests waiting in the agent for a socket' }) }),
    draining: Type.Integer({ description: 'Clients of older tenant versions still finishing requests' }),
  },
  { additionalProperties: false },
);
export type PoolStats = Static<typeof PoolStats>;

export const TenantHealth = Type.Object(
  {
    tenant: Type.String(),
    driver: Driver,
    ok: Type.Boolean({ description: 'Whether the call succeeded' }),
    latencyMs: Type.Number(),
    checkedAt: Type.String({ format: 'date-time' }),
    error: Type.Union([
      Type.Object(
        {
          code: Type.String({ description: "S3's error code (InvalidAccessKeyId) or the network error (ECONNREFUSED)" }),
          message: Type.String(),
          status: Type.Union([Type.Integer(), Type.Null()], { description: "HTTP status of S3's answer; null when there was none" }),
          gatewayCode: Type.String({ description: "The S3GATE_ code the tenant's requests get for it" }),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
    circuit: Type.Object(
      {
        state: Type.Union([Type.Literal('closed'), Type.Literal('open'), Type.Literal('half-open')], { description: 'open: requests fail fast with 503 until one probe succeeds' }),
        consecutiveFailures: Type.Integer(),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const TenantRemovalReport = Type.Object(
  {
    id: Type.String(),
    notifications: Type.Object(
      {
        removed: Type.Array(Type.String(), { description: 'Buckets whose native notification (topic and entry) was removed from the backend' }),
        failed: Type.Array(Type.Object({ bucket: Type.String(), error: Type.String() }, { additionalProperties: false }), {
          description: 'Buckets whose wiring could not be removed, and why: remove them by hand',
        }),
      },
      { additionalProperties: false },
    ),
    objects: Type.Union(
      [
        Type.Object({ purged: Type.Integer({ description: 'Objects deleted (purgeObjects=true)' }) }, { additionalProperties: false }),
        Type.Object({ detached: Type.Integer({ description: 'Objects set aside, out of reach of a new tenant with this id' }) }, { additionalProperties: false }),
        Type.Null(),
      ],
      { description: 'Disk-driver tenants only; null for S3 tenants (their objects are in their own S3 account)' },
    ),
  },
  { additionalProperties: false },
);
