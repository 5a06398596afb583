import type { FastifyBaseLogger } from 'fastify';
import type { ResolvedTenant } from './tenant.js';

/** What every service call gets: who, where to log, and a signal that fires when the client goes away. */
export interface RequestContext {
  tenant: ResolvedTenant;
  log: FastifyBaseLogger;
  signal: AbortSignal;
  /** scheme://host[:port] at which the client reached the gateway. */
  origin: string;
  /** The request already holds one of the tenant's upload slots (a request never takes two). */
  holdsUploadSlot?: boolean;
}
