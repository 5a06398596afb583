import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { traceSocketWaits } from '../lib/tracing.js';
import type { PoolSettings, S3Settings } from '../model/tenant.js';

export interface TenantAgents {
  http: http.Agent;
  https: https.Agent;
  /** Whether requests to the tenant's endpoint go through its proxy. */
  proxied: boolean;
}

/** Whether a host is reached directly: entries are exact names, `.suffix` or `*.suffix`, or `*`. */
export function bypassesProxy(host: string, noProxy: string[]): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return noProxy.some((raw) => {
    const entry = raw.trim().toLowerCase().replace(/:\d+$/, '');
    if (entry === '*') return true;
    const suffix = entry.startsWith('*.') ? entry.slice(1) : entry.startsWith('.') ? entry : undefined;
    return suffix ? h.endsWith(suffix) || h === suffix.slice(1) : h === entry;
  });
}

/**
 * The tenant's own keep-alive agents, capped at maxSockets: through its proxy (HTTP CONNECT for https
 * endpoints, absolute-form requests for http ones) unless its endpoint is excluded, and trusting its CA
 * bundle besides the system's. Each request's wait for a socket is reported on its S3 span.
 */
export function tenantAgents(s3: S3Settings, pool: PoolSettings): TenantAgents {
  const base = { keepAlive: true, maxSockets: pool.maxSockets, maxFreeSockets: pool.maxSockets, scheduling: 'lifo' as const };
  const tlsOpts = s3.tls ? { ...(s3.tls.caBundle && { ca: [...tls.rootCertificates, s3.tls.caBundle] }), rejectUnauthorized: s3.tls.rejectUnauthorized } : {};
  const host = new URL(s3.endpoint ?? `https://s3.${s3.region}.amazonaws.com`).hostname;
  if (s3.proxy && !bypassesProxy(host, s3.proxy.noProxy)) {
    return {
      http: traceSocketWaits(new HttpProxyAgent(s3.proxy.url, base)),
      https: traceSocketWaits(new HttpsProxyAgent(s3.proxy.url, { ...base, ...tlsOpts }) as unknown as https.Agent),
      proxied: true,
    };
  }
  return { http: traceSocketWaits(new http.Agent(base)), https: traceSocketWaits(new https.Agent({ ...base, ...tlsOpts })), proxied: false };
}
