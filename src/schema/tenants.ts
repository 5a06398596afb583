import { Type, type Static } from '@sinclair/typebox';

const TenantId = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$', description: 'Lower-case letters, digits, - and _; 1 to 63 characters' });

export const PoolSettings = Type.Object(
  {
    maxSockets: Type.Integer({ minimum: 1, maximum: 10000, description: 'Sockets of this tenant\'s HTTP agent (its S3 concurrency)', default: 50 }),
    maxQueue: Type.Integer({ minimum: 0, maximum: 100000, description: 'Requests admitted beyond maxSockets; more get 503 with Retry-After', default: 200 }),
    connectTimeoutMs: Type.Integer({ minimum: 1, maximum: 600000, default: 5000 }),
    requestTimeoutMs: Type.Integer({ minimum: 1, maximum: 3600000, description: 'Socket inactivity timeout of one S3 request', default: 30000 }),
  },
  { additionalProperties: false },
);

export const LimitSettings = Type.Object(
  { maxObjectSize: Type.Integer({ minimum: 0, description: 'Largest object (bytes) this tenant may upload' }) },
  { additionalProperties: false },
);

const S3Public = {
  endpoint: Type.Optional(Type.String({ format: 'uri', pattern: '^https?://', description: 'S3 endpoint; omit for AWS S3' })),
  region: Type.String({ minLength: 1, default: 'us-east-1' }),
  forcePathStyle: Type.Boolean({ description: 'Path-style URLs; defaults to true when endpoint is set (RGW, MinIO), false for AWS' }),
};

export const S3SettingsInput = Type.Object(
  {
    ...S3Public,
    region: Type.Optional(S3Public.region),
    forcePathStyle: Type.Optional(S3Public.forcePathStyle),
    accessKeyId: Type.String({ minLength: 1 }),
    secretAccessKey: Type.String({ minLength: 1, writeOnly: true }),
    sessionToken: Type.Optional(Type.String({ minLength: 1, writeOnly: true })),
  },
  { additionalProperties: false },
);

export const S3SettingsPatch = Type.Partial(S3SettingsInput, { additionalProperties: false });

export const TenantCreate = Type.Object(
  {
    id: TenantId,
    driver: Type.Optional(Type.Union([Type.Literal('s3'), Type.Literal('disk')], { description: "'s3' (needs s3) or 'disk' (the local-disk driver); defaults to s3 when s3 is given" })),
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

export const Tenant = Type.Object(
  {
    id: Type.String(),
    driver: Type.Union([Type.Literal('s3'), Type.Literal('disk')]),
    s3: Type.Optional(Type.Object({ ...S3Public, endpoint: Type.Union([Type.String(), Type.Null()]), accessKeyId: Type.String() }, { additionalProperties: false })),
    pool: PoolSettings,
    limits: LimitSettings,
    version: Type.Integer({ description: 'Bumped by every change; a change takes effect without a restart' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Tenant', additionalProperties: false },
);
export type Tenant = Static<typeof Tenant>;

export const TenantWithKey = Type.Intersect([Type.Ref(Tenant), Type.Object({ apiKey: Type.String({ description: 'Shown only in this response' }), apiKeyId: Type.String() })]);

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
