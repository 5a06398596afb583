import { errors, type GatewayError } from '../errors.js';
import type { TenantPool } from '../s3/client-pool.js';
import { upstreamFailure } from '../s3/map-error.js';
import type { Driver, ResolvedTenant } from '../model/tenant.js';

/** What an S3 endpoint answered, for an operator: its error code, message and HTTP status. */
export type UpstreamFailure = ReturnType<typeof upstreamFailure>;

export interface TenantHealth {
  tenant: string;
  driver: Driver;
  ok: boolean;
  latencyMs: number;
  checkedAt: string;
  error: (UpstreamFailure & { gatewayCode: string }) | null;
  circuit: { state: 'closed' | 'open' | 'half-open'; consecutiveFailures: number };
}

/** Checks of a tenant's connection: one cheap S3 call, for health and to verify settings before saving them. */
export class ConnectionService {
  constructor(private readonly pool: TenantPool) {}

  /** The live figures of the tenant's pool beside its settings. */
  poolStats(tenant: ResolvedTenant) {
    return { tenant: tenant.id, driver: tenant.driver, maxSockets: tenant.pool.maxSockets, maxQueue: tenant.pool.maxQueue, ...this.pool.stats(tenant.id) };
  }

  /** Always runs the call, even while the tenant's circuit is open: an operator wants to know now. */
  async health(tenant: ResolvedTenant): Promise<TenantHealth> {
    const start = performance.now();
    let error: TenantHealth['error'] = null;
    const lease = this.pool.lease(tenant, { bypassCircuit: true });
    try {
      await lease.store.check({ signal: AbortSignal.timeout(tenant.pool.requestTimeoutMs) });
    } catch (err) {
      error = { ...upstreamFailure(err), gatewayCode: (err as GatewayError).code ?? 'S3GATE_INTERNAL' };
    } finally {
      lease.release();
    }
    const circuit = this.pool.circuit(tenant.id);
    return {
      tenant: tenant.id,
      driver: tenant.driver,
      ok: error === null,
      latencyMs: Math.round((performance.now() - start) * 10) / 10,
      checkedAt: new Date().toISOString(),
      error,
      circuit: { state: circuit.state, consecutiveFailures: circuit.consecutiveFailures },
    };
  }

  /** Throws TenantVerificationFailed (422) with S3's answer when the settings do not work. */
  async verify(tenant: ResolvedTenant): Promise<void> {
    if (tenant.driver !== 's3') return;
    try {
      await this.pool.detached(tenant, (store) => store.check({ signal: AbortSignal.timeout(tenant.pool.requestTimeoutMs) }));
    } catch (err) {
      const upstream = upstreamFailure(err);
      throw Object.assign(new errors.TenantVerificationFailed(`${upstream.code}: ${upstream.message}`, { cause: err }), { upstream });
    }
  }
}
