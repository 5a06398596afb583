import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { HttpProxyAgent } from 'http-proxy-agent';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { traceSocketWaits } from '../lib/tracing.js';
import type { PoolSettings, S3Settings } from '../model/tenant.js';

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
 * bundle besides the system's. Each request's wait for a socket is reported on its S3 span. An agent is
 * made on first use: a tenant on an http endpoint never makes the https one (unless STS over https needs
 * it), which is a third of an idle live tenant's memory otherwise.
 */
export class TenantAgents {
  readonly #s3: S3Settings;
  readonly #base: http.AgentOptions;
  #http: http.Agent | undefined;
  #https: https.Agent | undefined;
  /** Whether requests to the tenant's endpoint go through its proxy. */
  readonly proxied: boolean;

  constructor(s3: S3Settings, pool: PoolSettings) {
    this.#s3 = s3;
    this.#base = { keepAlive: true, maxSockets: pool.maxSockets, maxFreeSockets: pool.maxSockets, scheduling: 'lifo' };
    const host = new URL(s3.endpoint ?? `https://s3.${s3.region}.amazonaws.com`).hostname;
    this.proxied = Boolean(s3.proxy && !bypassesProxy(host, s3.proxy.noProxy));
  }

  get http(): http.Agent {
    const proxy = this.proxied ? this.#s3.proxy : undefined;
    this.#http ??= traceSocketWaits(proxy ? new HttpProxyAgent(proxy.url, this.#base) : new http.Agent(this.#base));
    return this.#http;
  }

  get https(): https.Agent {
    if (this.#https) return this.#https;
    const t = this.#s3.tls;
    const options = { ...this.#base, ...(t && { ...(t.caBundle && { ca: [...tls.rootCertificates, t.caBundle] }), rejectUnauthorized: t.rejectUnauthorized }) };
    const proxy = this.proxied ? this.#s3.proxy : undefined;
    this.#https = traceSocketWaits(proxy ? (new HttpsProxyAgent(proxy.url, options) as unknown as https.Agent) : new https.Agent(options));
    return this.#https;
  }

  /** Sockets of the agents made so far, by state. */
  stats(): { inUse: number; free: number; queued: number } {
    const out = { inUse: 0, free: 0, queued: 0 };
    const count = (m: NodeJS.ReadOnlyDict<unknown[]>) => Object.values(m).reduce((n, list) => n + (list?.length ?? 0), 0);
    for (const agent of [this.#http, this.#https]) {
      if (!agent) continue;
      out.inUse += count(agent.sockets);
      out.free += count(agent.freeSockets);
      out.queued += count(agent.requests);
    }
    return out;
  }

  destroy(): void {
    this.#http?.destroy();
    this.#https?.destroy();
  }
}
