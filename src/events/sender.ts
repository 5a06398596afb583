import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import { context, propagation } from '../lib/tracing.js';
import { signatureHeader } from './signer.js';
import { guardedLookup, isBlockedAddress } from './ssrf.js';

export interface SendResult {
  ok: boolean;
  status: number | null;
  durationMs: number;
  error: string | null;
  excerpt: string | null;
  /** From Retry-After on 429 and 503. */
  retryAfterMs?: number;
}

const EXCERPT_BYTES = 1024;

function retryAfter(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * One signed POST of an event (Standard Webhooks headers). No redirect is followed, addresses are
 * checked when connecting, and a reply must come within the timeout.
 */
export class WebhookSender {
  readonly #agent: Agent;
  readonly #timeoutMs: number;
  readonly #allowPrivate: boolean;

  constructor(opts: { timeoutMs: number; allowPrivate: boolean }) {
    this.#timeoutMs = opts.timeoutMs;
    this.#allowPrivate = opts.allowPrivate;
    this.#agent = new Agent({
      connect: { lookup: guardedLookup(opts.allowPrivate), timeout: opts.timeoutMs },
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      keepAliveTimeout: 10_000,
    });
  }

  async send(url: string, secrets: string[], messageId: string, body: string): Promise<SendResult> {
    const start = performance.now();
    const elapsed = () => Math.round(performance.now() - start);
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    if (!this.#allowPrivate && isIP(host) && isBlockedAddress(host)) {
      return { ok: false, status: null, durationMs: 0, error: `refused: ${host} is a private or reserved address`, excerpt: null };
    }
    const timestamp = new Date();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 's3gate-webhooks/1',
      'webhook-id': messageId,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signatureHeader(secrets, messageId, timestamp, body),
    };
    // traceparent of the delivery attempt when tracing is on (not signed: it is no part of the message).
    propagation.inject(context.active(), headers);
    try {
      const res = await request(url, {
        method: 'POST',
        dispatcher: this.#agent,
        headers,
        body,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      let excerpt = '';
      for await (const chunk of res.body) {
        if (excerpt.length < EXCERPT_BYTES) excerpt += chunk.toString();
        else break;
      }
      res.body.destroy();
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      const redirect = res.statusCode >= 300 && res.statusCode < 400;
      return {
        ok,
        status: res.statusCode,
        durationMs: elapsed(),
        error: ok ? null : redirect ? `redirect to ${res.headers.location ?? '?'} not followed` : `HTTP ${res.statusCode}`,
        excerpt: excerpt.slice(0, EXCERPT_BYTES) || null,
        ...((res.statusCode === 429 || res.statusCode === 503) && { retryAfterMs: retryAfter(res.headers['retry-after']) }),
      };
    } catch (err) {
      const e = err as Error & { code?: string; cause?: { code?: string; message?: string } };
      const timedOut = e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT';
      return {
        ok: false,
        status: null,
        durationMs: elapsed(),
        error: timedOut ? `no answer within ${this.#timeoutMs} ms` : (e.cause?.message ?? e.message ?? String(err)),
        excerpt: null,
      };
    }
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}
