import { errors, limits } from '../errors.js';
import { failSpan, SpanKind, tracer } from '../lib/tracing.js';

interface SdkError extends Error {
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: 'client' | 'server';
}

const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

export function httpStatusOf(err: unknown): number | undefined {
  return (err as SdkError)?.$metadata?.httpStatusCode;
}

export function isAbort(err: unknown): boolean {
  return (err as Error)?.name === 'AbortError';
}

/** What the endpoint answered (or the network said), under any gateway errors wrapping it as their cause. */
export function upstreamFailure(err: unknown): { code: string; message: string; status: number | null } {
  let e = err as (SdkError & { cause?: unknown }) | undefined;
  while (e?.code?.startsWith('S3GATE_') && e.cause) e = e.cause as typeof e;
  const status = httpStatusOf(e) ?? null;
  return { code: status !== null ? e!.name : (e?.code ?? e?.name ?? 'Unknown'), message: e?.message ?? String(err), status };
}

/** The S3 error code of an answer (NoSuchKey, SlowDown), or the network error's code (ECONNREFUSED). */
export const errorCodeOf = (err: unknown): string => upstreamFailure(err).code;

/** The endpoint was not reached at all: refused, reset, unresolvable, timed out, or its TLS failed. */
export function isConnectionFailure(err: unknown): boolean {
  if (isAbort(err) || httpStatusOf(err) !== undefined) return false;
  const e = err as SdkError;
  const code = e?.code ?? '';
  if (code.startsWith('S3GATE_')) return code === 'S3GATE_UPSTREAM_UNAVAILABLE' || code === 'S3GATE_UPSTREAM_TIMEOUT';
  return NETWORK.has(code) || code === 'ETIMEDOUT' || e?.name === 'TimeoutError' || /^(ERR_TLS|CERT_|UNABLE_TO|SELF_SIGNED|DEPTH_ZERO|ERR_SSL)/.test(code);
}

/** Reports a failed S3 request to its tenant's hooks: by its code, and as unreachable or answered. */
export function reportFailure(hooks: { error?: (operation: string, code: string) => void; reached?: (ok: boolean) => void }, operation: string, err: unknown): void {
  if (isAbort(err)) return;
  hooks.error?.(operation, errorCodeOf(err));
  if (httpStatusOf(err) !== undefined) hooks.reached?.(true);
  else if (isConnectionFailure(err)) hooks.reached?.(false);
}

/**
 * Turns an SDK error into one of the API's errors, by the SDK's `name` and HTTP status, keeping the
 * original as `cause` (logged, never sent). Aborts pass through untouched: the client is gone.
 */
export function mapS3Error(err: unknown, target: { bucket?: string; key?: string } = {}): Error {
  if (!(err instanceof Error)) return new errors.Internal({ cause: err });
  if (isAbort(err) || (err as { code?: string }).code?.startsWith('S3GATE_')) return err;
  const e = err as SdkError;
  const status = e.$metadata?.httpStatusCode;
  const cause = { cause: err };
  const bucket = target.bucket ?? '';
  switch (e.name) {
    case 'NoSuchBucket':
      return new errors.BucketNotFound(bucket, cause);
    case 'NoSuchKey':
      return new errors.ObjectNotFound(target.key ?? '', bucket, cause);
    case 'NotFound':
      return target.key !== undefined ? new errors.ObjectNotFound(target.key, bucket, cause) : new errors.BucketNotFound(bucket, cause);
    case 'AccessDenied':
    case 'AllAccessDisabled':
    case 'Forbidden':
      // Another account's bucket must look exactly like an absent one.
      if (target.bucket !== undefined) return new errors.BucketNotFound(bucket, cause);
      return new errors.UpstreamCredentials(e.name, cause);
    case 'InvalidAccessKeyId':
    case 'SignatureDoesNotMatch':
    case 'ExpiredToken':
    case 'InvalidToken':
      return new errors.UpstreamCredentials(e.name, cause);
    case 'BucketNotEmpty':
      return new errors.BucketNotEmpty(bucket, cause);
    case 'BucketAlreadyExists':
      return new errors.BucketAlreadyExists(bucket, cause);
    case 'InvalidBucketName':
      return new errors.InvalidBucketName(bucket, 'the S3 endpoint refused it', cause);
    case 'PreconditionFailed':
      return new errors.PreconditionFailed("the object does not match the request's condition", cause);
    case 'KeyTooLongError':
      return new errors.InvalidKey('longer than the S3 endpoint accepts', cause);
    case 'EntityTooLarge': {
      // AWS names its limit in the error (MaxSizeAllowed); the SDK keeps unknown fields on the error.
      const max = Number((err as { MaxSizeAllowed?: string }).MaxSizeAllowed);
      return new errors.PayloadTooLarge(limits.backend(Number.isSafeInteger(max) && max > 0 ? max : undefined), cause);
    }
    case 'TimeoutError':
    case 'RequestTimeout':
      return new errors.UpstreamTimeout(cause);
  }
  if (e.code && NETWORK.has(e.code)) return new errors.UpstreamUnavailable(e.code, cause);
  if (e.code === 'ETIMEDOUT' || /timed? ?out/i.test(e.message)) return new errors.UpstreamTimeout(cause);
  if (status === 404 && target.bucket !== undefined) {
    return target.key !== undefined ? new errors.ObjectNotFound(target.key, bucket, cause) : new errors.BucketNotFound(bucket, cause);
  }
  if (status === 412) return new errors.PreconditionFailed("the object does not match the request's condition", cause);
  // A fault of the gateway's own code is not the endpoint's: it answers 500 and is logged with its stack.
  if (status === undefined && !e.code && (err instanceof TypeError || err instanceof ReferenceError || err instanceof RangeError)) return new errors.Internal(cause);
  if (status === undefined) return new errors.UpstreamUnavailable(e.code ?? e.name, cause);
  return new errors.UpstreamError(`${e.name} (HTTP ${status})`, cause);
}

/**
 * The one place a tenant's S3 request is measured and reported, whichever path made it (the SDK's
 * middleware or the signed hot path): once per request, after its retries, with its final status or
 * error, and whether the endpoint was reached (the circuit breaker's input).
 */
export async function observed<T>(
  hooks: { observe?: (operation: string, status: string, seconds: number) => void; error?: (operation: string, code: string) => void; reached?: (ok: boolean) => void; tenantId?: string },
  operation: string,
  run: () => Promise<T>,
  statusOf: (out: T) => number | undefined,
  target: { bucket?: string; key?: string } = {},
): Promise<T> {
  const start = process.hrtime.bigint();
  const seconds = () => Number(process.hrtime.bigint() - start) / 1e9;
  const method = operation.replace(/Command$/, '');
  // A CLIENT span per S3 request, its attributes only when sampled (the socket waits: lib/tracing.ts).
  return tracer.startActiveSpan(`S3.${method}`, { kind: SpanKind.CLIENT }, async (span) => {
    if (span.isRecording()) {
      span.setAttributes({ 'rpc.system': 'aws-api', 'rpc.service': 'S3', 'rpc.method': method });
      if (target.bucket) span.setAttribute('aws.s3.bucket', target.bucket);
      if (target.key !== undefined) span.setAttribute('aws.s3.key', target.key);
      if (hooks.tenantId) span.setAttribute('s3gate.tenant', hooks.tenantId);
    }
    try {
      const out = await run();
      const status = statusOf(out) ?? 200;
      hooks.observe?.(operation, String(status), seconds());
      hooks.reached?.(true);
      if (span.isRecording()) {
        span.setAttribute('http.response.status_code', status);
        const attempts = (out as { output?: { $metadata?: { attempts?: number } } })?.output?.$metadata?.attempts;
        if (attempts !== undefined) span.setAttribute('s3gate.attempts', attempts);
      }
      return out;
    } catch (err) {
      const status = httpStatusOf(err);
      hooks.observe?.(operation, String(status ?? (err as Error).name), seconds());
      reportFailure(hooks, operation, err);
      if (span.isRecording()) {
        if (status !== undefined) span.setAttribute('http.response.status_code', status);
        const attempts = (err as SdkError & { $metadata?: { attempts?: number } }).$metadata?.attempts;
        if (attempts !== undefined) span.setAttribute('s3gate.attempts', attempts);
        failSpan(span, err, isAbort(err) ? 'AbortError' : errorCodeOf(err));
      }
      throw err;
    } finally {
      span.end();
    }
  });
}
