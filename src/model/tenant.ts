import { Type, type Static } from '@sinclair/typebox';

/** A tenant: its id, its driver, its pool and limits (TypeBox, the source of the types) and its resolved S3 settings. */

export const TenantId = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,62}$', description: 'Lower-case letters, digits, - and _; 1 to 63 characters' });

export const Driver = Type.Union([Type.Literal('s3'), Type.Literal('disk')]);
export type Driver = Static<typeof Driver>;

export const RetryMode = Type.Union([Type.Literal('standard'), Type.Literal('adaptive')]);
export type RetryMode = Static<typeof RetryMode>;

export const PoolSettings = Type.Object(
  {
    maxSockets: Type.Integer({ minimum: 1, maximum: 10000, description: "Sockets of this tenant's HTTP agent (its S3 concurrency)", default: 50 }),
    maxQueue: Type.Integer({ minimum: 0, maximum: 100000, description: 'Requests admitted beyond maxSockets; more get 503 with Retry-After', default: 200 }),
    connectTimeoutMs: Type.Integer({ minimum: 1, maximum: 600000, default: 5000 }),
    requestTimeoutMs: Type.Integer({ minimum: 1, maximum: 3600000, description: 'Socket inactivity timeout of one S3 request', default: 30000 }),
  },
  { additionalProperties: false },
);

export type PoolSettings = Static<typeof PoolSettings>;

export const LimitSettings = Type.Object(
  {
    maxObjectSize: Type.Integer({ minimum: 0, maximum: 5 * 1024 ** 4, description: 'Largest object (bytes) this tenant may upload' }),
    requestsPerSecond: Type.Number({ minimum: 0, maximum: 1_000_000, description: 'Sustained API requests per second; 0: no limit. Default S3GATE_RATE_LIMIT_RPS' }),
    burst: Type.Integer({ minimum: 1, maximum: 10_000_000, description: 'Requests allowed at once above the rate (the bucket size). Default S3GATE_RATE_LIMIT_BURST, or twice the rate' }),
    maxConcurrentUploads: Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Uploads in progress at once, per gateway process; 0: no cap. Default S3GATE_MAX_CONCURRENT_UPLOADS' }),
    maxResumableUploads: Type.Integer({
      minimum: 0,
      maximum: 1_000_000,
      description:
        'Unfinished resumable (tus) uploads at once, in all processes (each holds a multipart upload and up to one part of bytes in the state store); 0: no cap. Default S3GATE_MAX_RESUMABLE_UPLOADS',
    }),
  },
  { additionalProperties: false },
);
/** A tenant's limits, resolved against the defaults. */
export type TenantLimits = Static<typeof LimitSettings>;

export interface StaticCredentials {
  type: 'static';
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AssumeRoleCredentials {
  type: 'assumeRole';
  roleArn: string;
  externalId?: string;
  sessionName?: string;
  durationSeconds?: number;
  source: Omit<StaticCredentials, 'type'> | 'default';
  stsEndpoint?: string;
}

export type CredentialSettings = StaticCredentials | AssumeRoleCredentials | { type: 'default' };

export interface ProxySettings {
  /** May carry user:password: kept with the secrets. */
  url: string;
  noProxy: string[];
}

export interface TlsSettings {
  caBundle?: string;
  rejectUnauthorized: boolean;
}

export interface S3Settings {
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  credentials: CredentialSettings;
  proxy?: ProxySettings;
  maxAttempts: number;
  retryMode: RetryMode;
  tls?: TlsSettings;
}

/** A tenant with its secrets opened and its settings resolved against the defaults: what the pool uses. */
export interface ResolvedTenant {
  id: string;
  driver: Driver;
  s3?: S3Settings;
  pool: PoolSettings;
  limits: TenantLimits;
  version: number;
  createdAt: string;
  updatedAt: string;
}
