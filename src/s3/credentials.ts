import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { errors } from '../errors.js';
import type { CredentialSettings, StaticCredentials } from '../model/tenant.js';

interface Expiring {
  credentials: AwsCredentialIdentity;
  expiration: number;
}

/** Below this much validity left, a request waits for new credentials instead of using the old ones. */
const MIN_VALIDITY_MS = 30_000;

/**
 * Temporary credentials, fetched once and refreshed ahead of expiry, one refresh at a time: while
 * credentials are still valid for longer than `refreshBeforeMs` they are used as they are; inside that
 * window a request starts (or joins) the one refresh and still signs with the current credentials; only
 * when none are left, or they are about to expire, does a request wait for the refresh. A failed refresh
 * leaves the current credentials in use and is tried again by the next request.
 */
export class RefreshingCredentials {
  #current: Expiring | undefined;
  #refreshing: Promise<Expiring> | undefined;

  constructor(
    private readonly fetch: () => Promise<Expiring>,
    private readonly opts: { refreshBeforeMs: number; now?: () => number; onRefresh?: (outcome: 'ok' | 'error', err?: unknown) => void },
  ) {}

  readonly provider: AwsCredentialIdentityProvider = async () => {
    const now = (this.opts.now ?? Date.now)();
    const current = this.#current;
    if (current && current.expiration - now > this.opts.refreshBeforeMs) return current.credentials;
    if (current && current.expiration - now > MIN_VALIDITY_MS) {
      this.refresh().catch(() => {});
      return current.credentials;
    }
    return (await this.refresh()).credentials;
  };

  refresh(): Promise<Expiring> {
    this.#refreshing ??= this.fetch()
      .then(
        (fresh) => {
          this.#current = fresh;
          this.opts.onRefresh?.('ok');
          return fresh;
        },
        (err: unknown) => {
          this.opts.onRefresh?.('error', err);
          throw err;
        },
      )
      .finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }
}

export interface CredentialDeps {
  tenantId: string;
  region: string;
  /** The tenant's S3 endpoint: RGW and MinIO answer STS there too. */
  endpoint?: string;
  /** The tenant's HTTP handler (its agents, proxy and TLS settings), for STS as for S3: made when STS is first needed. */
  requestHandler: () => NodeHttpHandler;
  allowDefault: boolean;
  refreshBeforeMs: number;
  onRefresh?: (outcome: 'ok' | 'error', err?: unknown) => void;
}

const fromStatic = (c: StaticCredentials): AwsCredentialIdentity => ({ accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken && { sessionToken: c.sessionToken }) });

function defaultChain(allow: boolean): AwsCredentialIdentityProvider {
  if (!allow)
    throw new errors.InvalidTenant(
      "credentials of type default are disabled: they would lend the gateway's own AWS identity to a tenant; an operator may allow them with S3GATE_ALLOW_DEFAULT_CREDENTIALS=true",
    );
  return fromNodeProviderChain();
}

/** The credential provider of a tenant's S3 (and STS) requests. */
export function credentialProvider(settings: CredentialSettings, deps: CredentialDeps): AwsCredentialIdentityProvider {
  switch (settings.type) {
    case 'static': {
      const creds = fromStatic(settings);
      return async () => creds;
    }
    case 'default':
      return defaultChain(deps.allowDefault);
    case 'assumeRole': {
      const source = settings.source === 'default' ? defaultChain(deps.allowDefault) : credentialProvider({ ...settings.source, type: 'static' }, deps);
      const endpoint = settings.stsEndpoint ?? deps.endpoint;
      const sts = new STSClient({ region: deps.region, ...(endpoint && { endpoint }), credentials: source, requestHandler: deps.requestHandler(), maxAttempts: 3 });
      const refreshing = new RefreshingCredentials(
        async () => {
          const out = await sts
            .send(
              new AssumeRoleCommand({
                RoleArn: settings.roleArn,
                RoleSessionName: settings.sessionName ?? `s3gate-${deps.tenantId}`,
                ...(settings.externalId && { ExternalId: settings.externalId }),
                ...(settings.durationSeconds && { DurationSeconds: settings.durationSeconds }),
              }),
            )
            .catch((err: Error & { $metadata?: { httpStatusCode?: number } }) => {
              // Not an S3 answer: a refused AssumeRole must not read as, say, a missing bucket.
              if (err.$metadata?.httpStatusCode === undefined && !(err as { code?: string }).code?.startsWith('S3GATE_')) throw err;
              throw new errors.UpstreamCredentials(`STS AssumeRole of ${settings.roleArn} failed: ${err.name}: ${err.message}`, { cause: err });
            });
          const c = out.Credentials;
          if (!c?.AccessKeyId || !c.SecretAccessKey || !c.Expiration) throw new Error('STS AssumeRole answered without credentials');
          return { credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration }, expiration: c.Expiration.getTime() };
        },
        { refreshBeforeMs: deps.refreshBeforeMs, onRefresh: deps.onRefresh },
      );
      return refreshing.provider;
    }
  }
}
