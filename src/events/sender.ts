import { isIP } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { context, propagation } from '../lib/tracing.js';
import type { Message } from './destinations/message.js';
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

/** The first bytes of an answer's body kept in the delivery log; the rest is never read. */
const EXCERPT_BYTES = 1024;

function retryAfter(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** A subscription URL as the sender uses it, parsed once (a burst sends to the same few URLs over and over). */
interface Target {
  origin: string;
  path: string;
  /** Why it is refused without connecting (a literal private address), if it is. */
  refused?: string;
}

const TARGETS_KEPT = 10_000;

/** The end of an attempt: the part of the result that is not timing. */
type Outcome = Omit<SendResult, 'durationMs'>;

/**
 * One signed POST of an event (Standard Webhooks headers, see messageOf). No redirect is followed, addresses are
 * checked when connecting, and the whole attempt (connect, answer, the excerpt of its body) ends within
 * the timeout.
 *
 * It is undici's dispatcher API with a handler of its own rather than `request()`: an attempt needs the
 * status, two headers and at most a KiB of the body, and a burst's profile showed the body stream,
 * its async iteration and a per-request AbortSignal among the costliest parts of a delivery.
 */
export class WebhookSender {
  readonly #agent: Agent;
  readonly #timeoutMs: number;
  readonly #allowPrivate: boolean;
  readonly #targets = new Map<string, Target>();

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

  #target(url: string): Target {
    let target = this.#targets.get(url);
    if (!target) {
      const u = new URL(url);
      const host = u.hostname.replace(/^\[|\]$/g, '');
      target = { origin: u.origin, path: u.pathname + u.search };
      if (!this.#allowPrivate && isIP(host) && isBlockedAddress(host)) target.refused = `refused: ${host} is a private or reserved address`;
      if (this.#targets.size >= TARGETS_KEPT) this.#targets.delete(this.#targets.keys().next().value!);
      this.#targets.set(url, target);
    }
    return target;
  }

  send(url: string, message: Message): Promise<SendResult> {
    const target = this.#target(url);
    if (target.refused) return Promise.resolve({ ok: false, status: null, durationMs: 0, error: target.refused, excerpt: null });
    const body = message.body;
    const headers: Record<string, string> = { 'content-type': message.contentType, 'user-agent': 's3gate-webhooks/1', ...message.headers };
    // traceparent of the delivery attempt when tracing is on (not signed: it is no part of the message).
    propagation.inject(context.active(), headers);
    const timeoutMs = this.#timeoutMs;
    const start = performance.now();
    return new Promise<SendResult>((resolve) => {
      let controller: Dispatcher.DispatchController | undefined;
      let status: number | null = null;
      let answer: Record<string, string | string[] | undefined> = {};
      const kept: Buffer[] = [];
      let keptBytes = 0;
      let settled = false;
      const settle = (outcome: Outcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ...outcome, durationMs: Math.round(performance.now() - start) });
      };
      const answered = (): Outcome => {
        const ok = status! >= 200 && status! < 300;
        const redirect = status! >= 300 && status! < 400;
        const location = answer.location;
        return {
          ok,
          status,
          error: ok ? null : redirect ? `redirect to ${typeof location === 'string' ? location : '?'} not followed` : `HTTP ${status}`,
          excerpt: keptBytes > 0 ? excerptOf(kept) : null,
          ...((status === 429 || status === 503) && { retryAfterMs: retryAfter(answer['retry-after']) }),
        };
      };
      const timedOut: Outcome = { ok: false, status: null, error: `no answer within ${timeoutMs} ms`, excerpt: null };
      // One deadline for the whole attempt: undici's own timeouts bound each wait (connect, headers,
      // the gap between body chunks), not their sum, so an endpoint trickling its body would hold the slot.
      const timer = setTimeout(() => {
        settle(timedOut);
        controller?.abort(new Error('attempt timed out'));
      }, timeoutMs);
      const ended = (error: Error) => {
        const err = error as Error & { code?: string; cause?: { message?: string } };
        if (err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_BODY_TIMEOUT' || err.code === 'UND_ERR_CONNECT_TIMEOUT') settle(timedOut);
        else settle({ ok: false, status: null, error: err.cause?.message ?? err.message ?? String(err), excerpt: null });
      };
      try {
        this.#agent.dispatch(
          { origin: target.origin, path: target.path, method: 'POST', headers, body },
          {
            onRequestStart(c) {
              controller = c;
              if (settled) c.abort(new Error('attempt timed out'));
            },
            onResponseStart(_c, statusCode, resHeaders) {
              if (statusCode < 200) return; // 1xx: the answer is still to come
              status = statusCode;
              answer = resHeaders as Record<string, string | string[] | undefined>;
            },
            onResponseData(c, chunk) {
              if (keptBytes < EXCERPT_BYTES) {
                kept.push(chunk);
                keptBytes += chunk.length;
              }
              // Enough for the log: the rest of the body is not read (the connection is closed).
              if (keptBytes >= EXCERPT_BYTES) {
                settle(answered());
                c.abort(new Error('excerpt complete'));
              }
            },
            onResponseEnd() {
              settle(answered());
            },
            onResponseError(_c, err) {
              ended(err);
            },
          },
        );
      } catch (err) {
        ended(err as Error);
      }
    });
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

/** The first EXCERPT_BYTES of the body as text; a character cut at the boundary is left out, not mangled. */
function excerptOf(chunks: Buffer[]): string {
  let bytes = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES);
  if (bytes.length === EXCERPT_BYTES) {
    // Back off over a trailing partial UTF-8 sequence (continuation bytes 10xxxxxx and their lead byte).
    let end = bytes.length;
    let i = end - 1;
    while (i > 0 && (bytes[i] & 0xc0) === 0x80) i--;
    const lead = bytes[i];
    const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    if (end - i < need) end = i;
    bytes = bytes.subarray(0, end);
  }
  return bytes.toString('utf8');
}
