/** Row types of the state store (SQLite and PostgreSQL share them: text timestamps in ISO 8601, JSON as text). */
export interface TenantRow {
  id: string;
  driver: 's3' | 'disk';
  /** JSON: TenantSettings without secrets. */
  settings: string;
  /** Encrypted JSON of the tenant's secrets (secretbox), or null. */
  secrets: string | null;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface ApiKeyRow {
  id: string;
  tenant_id: string;
  /** sha256 hex of the whole key: keys are 256-bit random, so a fast hash is enough. */
  hash: string;
  created_at: string;
  revoked_at: string | null;
}

export interface Database {
  tenants: TenantRow;
  api_keys: ApiKeyRow;
}
