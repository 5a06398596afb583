import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { AdaptiveRetryStrategy, Retry, StandardRetryStrategy } from '@smithy/core/retry';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentityProvider, RetryStrategyV2 } from '@smithy/types';
import type { DriverHooks } from '../../../model/object-store.js';
import type { ResolvedTenant, S3Settings } from '../../../model/tenant.js';
import { credentialProvider } from '../../credentials.js';
import type { TenantAgents } from '../../network.js';
import { observeAndTrack } from './sdk.js';

export interface ClientOptions {
  /** Whether tenants may use the default AWS credential chain. */
  allowDefaultCredentials: boolean;
  /** Temporary credentials are refreshed this long before they expire. */
  refreshBeforeMs: number;
  /** Counts refreshes of temporary credentials. */
  onCredentialRefresh?: (outcome: 'ok' | 'error', err?: unknown) => void;
}

/**
 * A tenant's credentials, retry strategy and SDK clients (S3, SNS, and the HTTP handler STS shares), each
 * client made on first use over the tenant's own agents: GET, HEAD and PUT of an object go by the signed
 * path and never need one, and a client with its middleware stack is most of a live tenant's memory.
 */
export class TenantClients {
  readonly credentials: AwsCredentialIdentityProvider;
  /** What the SDK's resolveRetryConfig makes from maxAttempts and retryMode, shared by the signed path and SDK calls (one retry quota). */
  readonly retryStrategy: RetryStrategyV2;
  readonly #tenant: ResolvedTenant;
  readonly #s3: S3Settings;
  readonly #agents: TenantAgents;
  readonly #hooks: DriverHooks;
  #handler: NodeHttpHandler | undefined;
  #client: S3Client | undefined;
  #sns: SNSClient | undefined;

  constructor(tenant: ResolvedTenant, s3: S3Settings, agents: TenantAgents, hooks: DriverHooks, opts: ClientOptions) {
    this.#tenant = tenant;
    this.#s3 = s3;
    this.#agents = agents;
    this.#hooks = hooks;
    this.credentials = credentialProvider(s3.credentials, {
      tenantId: tenant.id,
      region: s3.region,
      endpoint: s3.endpoint,
      requestHandler: () => this.#requestHandler(),
      allowDefault: opts.allowDefaultCredentials,
      refreshBeforeMs: opts.refreshBeforeMs,
      onRefresh: opts.onCredentialRefresh,
    });
    this.retryStrategy =
      s3.retryMode === 'adaptive'
        ? new AdaptiveRetryStrategy(async () => s3.maxAttempts, { maxAttempts: s3.maxAttempts, baseDelay: Retry.delay() })
        : new StandardRetryStrategy({ maxAttempts: s3.maxAttempts, baseDelay: Retry.delay() });
  }

  /** The tenant's S3Client, observed (metrics, spans, the circuit) like the signed path. */
  get s3(): S3Client {
    if (this.#client) return this.#client;
    const client = new S3Client({
      ...this.#config(),
      retryStrategy: this.retryStrategy,
      forcePathStyle: this.#s3.forcePathStyle,
      // With the SDK default a streamed PutObject is sent aws-chunked with a trailing checksum, which
      // RGW answers with 411 and other S3 servers store framing bytes of (../shared/notes/s3-backends.md).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    client.middlewareStack.add(observeAndTrack(this.#hooks), { step: 'initialize', name: 's3gateMetrics' });
    this.#client = client;
    return client;
  }

  /** The topic API at the tenant's endpoint. */
  get sns(): SNSClient {
    this.#sns ??= new SNSClient(this.#config());
    return this.#sns;
  }

  destroy(): void {
    this.#sns?.destroy();
    this.#client?.destroy();
  }

  /** The SDK's HTTP handler over the tenant's agents, made with the first SDK client (S3, SNS or STS). */
  #requestHandler(): NodeHttpHandler {
    this.#handler ??= new NodeHttpHandler({
      httpAgent: this.#agents.http,
      httpsAgent: this.#agents.https,
      connectionTimeout: this.#tenant.pool.connectTimeoutMs,
      // requestTimeoutMs is socket inactivity, as the signed hot path applies it. The handler's own
      // requestTimeout only logs a warning in this version (unless throwOnRequestTimeout), which left
      // SDK calls to a stalled endpoint hanging: socketTimeout is the one that aborts.
      socketTimeout: this.#tenant.pool.requestTimeoutMs,
    });
    return this.#handler;
  }

  #config() {
    const s3 = this.#s3;
    return {
      region: s3.region,
      ...(s3.endpoint && { endpoint: s3.endpoint }),
      credentials: this.credentials,
      requestHandler: this.#requestHandler(),
      maxAttempts: s3.maxAttempts,
      retryMode: s3.retryMode,
    };
  }
}
