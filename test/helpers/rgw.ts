import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';

const script = fileURLToPath(new URL('../../scripts/rgw.sh', import.meta.url));

let endpoint: string | undefined;

/** The RGW endpoint, starting it when it is not up (scripts/test.sh starts it before the suite). */
export function rgwEndpoint(): string {
  endpoint ??= execFileSync('bash', [script, 'start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
    .trim()
    .split('\n')
    .pop()!;
  return endpoint;
}

export interface RgwUser {
  uid: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** A new RGW user (an S3 account of its own), as each test tenant gets. */
export function rgwUser(prefix = 'u'): RgwUser {
  return rgwNamedUser({ uid: `${prefix}-${randomBytes(4).toString('hex')}`, accessKeyId: `AK${randomBytes(8).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(20).toString('base64url') });
}

/** An RGW user of a given id and keys, created once (RGW keeps it until restarted). */
export function rgwNamedUser(user: RgwUser): RgwUser {
  rgwEndpoint();
  execFileSync('bash', [script, 'user', user.uid, user.accessKeyId, user.secretAccessKey], { stdio: ['ignore', 'ignore', 'inherit'] });
  return user;
}

/** Tenant s3 settings for a user of the local RGW. */
export function rgwSettings(user: RgwUser, endpointOverride?: string) {
  return { endpoint: endpointOverride ?? rgwEndpoint(), region: 'us-east-1', accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey };
}

/** A direct S3 client for a user: to look at what really is in S3, and for the direct side of benchmarks. */
export function directClient(user: RgwUser): S3Client {
  return new S3Client({
    endpoint: rgwEndpoint(),
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export function uniqueBucket(prefix = 'b'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}
