import { randomBytes, randomInt } from 'node:crypto';
import { errors } from '../errors.js';
import type { SecretBox } from '../lib/secretbox.js';
import type { S3KeyRepo } from '../store/s3-keys.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export interface S3KeyInfo {
  accessKeyId: string;
  createdAt: string;
  revokedAt: string | null;
}

/**
 * S3 access keys: what S3 clients (boto3, the AWS CLI, rclone) sign requests with, distinct from API
 * keys. SigV4 needs the secret itself to verify a signature, so it is sealed at rest, not hashed, and
 * shown once. Lookups go to the store every time, so a revocation holds at once in every process.
 */
export class S3KeyService {
  constructor(
    private readonly repo: S3KeyRepo,
    private readonly box: SecretBox,
    private readonly tenantExists: (id: string) => Promise<boolean>,
  ) {}

  async create(tenantId: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
    if (!(await this.tenantExists(tenantId))) throw new errors.TenantNotFound(tenantId);
    const accessKeyId = 'S3G' + Array.from({ length: 17 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    // 30 random bytes: 40 characters of base64url, the length of an AWS secret access key.
    const secretAccessKey = randomBytes(30).toString('base64url');
    await this.repo.insert({ access_key_id: accessKeyId, tenant_id: tenantId, secret_sealed: this.box.seal(secretAccessKey), created_at: new Date().toISOString(), revoked_at: null });
    return { accessKeyId, secretAccessKey };
  }

  async list(tenantId: string): Promise<S3KeyInfo[]> {
    return (await this.repo.list(tenantId)).map((r) => ({ accessKeyId: r.access_key_id, createdAt: r.created_at, revokedAt: r.revoked_at }));
  }

  async revoke(tenantId: string, accessKeyId: string): Promise<void> {
    if (!(await this.repo.revoke(tenantId, accessKeyId, new Date().toISOString()))) throw new errors.S3KeyNotFound(accessKeyId, tenantId);
  }

  /** The tenant and secret of a live key (the S3 door's authentication), or undefined. */
  async lookup(accessKeyId: string): Promise<{ tenantId: string; secretAccessKey: string } | undefined> {
    if (!/^S3G[A-Z2-7]{17}$/.test(accessKeyId)) return undefined;
    const row = await this.repo.live(accessKeyId);
    return row && { tenantId: row.tenant_id, secretAccessKey: this.box.open(row.secret_sealed) };
  }
}
