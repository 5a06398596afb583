// The hostile-input harness for tus (/v1/uploads): creations with odd lengths and metadata, appends at
// wrong offsets with wrong types and checksums, on uploads that exist, that do not, and that belong to
// another tenant, with an API key, a presigned URL (as made, or tampered) or nothing. Every answer must
// keep the API's invariants: never a 5xx, every error {statusCode, code, error, message} with a
// documented code.
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { count, finish, nasty, newReport, operations, problemOf, run, type FuzzContext, type FuzzReport } from './harness.js';

/** What the tus fuzz works on besides the tenants: uploads that exist, and presigned URLs. */
export interface TusFuzzContext {
  /** Upload URLs (path and query) created at setup, with the API key that made them. */
  uploads: { path: string; apiKey: string }[];
  /** Presigned creation URLs (path and query). */
  creationUrls: string[];
}

const metaValue = fc.oneof(fc.constantFrom('', 'text/plain', 'text/plain\r\nX: y', 'a\u2028b', 'é', '*', 'x'.repeat(3000)), nasty);
const b64 = (s: string) => Buffer.from(s).toString('base64');

function metadataOf(ctx: FuzzContext): fc.Arbitrary<string | undefined> {
  const pair = fc.oneof(
    fc
      .tuple(
        fc.constantFrom('bucket', 'key', 'filename', 'prefix', 'contentType', 'filetype', 'type', 'ifNoneMatch', 'meta-a', 'meta-Bad Name', 'meta-', ''),
        fc.oneof(fc.constantFrom(...ctx.tenants.flatMap((t) => t.buckets)), metaValue),
      )
      .map(([k, v]) => `${k} ${b64(v)}`),
    fc.constantFrom('bucket', 'key !!!', 'key', ',', ' ', 'bucket a,bucket a'),
  );
  return fc.option(
    fc.array(pair, { maxLength: 5 }).map((p) => p.join(',')),
    { nil: undefined },
  );
}

const number = fc.oneof(fc.integer({ min: -1, max: 64 * 1024 * 1024 }).map(String), fc.constantFrom('', '0', '1e3', '-0', '18446744073709551616', '9007199254740993', 'abc', ' 5'));

export async function fuzzTus(app: FastifyInstance, ctx: FuzzContext, tus: TusFuzzContext, opts: { count: number; seed: number }): Promise<FuzzReport> {
  const tenant = fc.constantFrom(...ctx.tenants);
  const auth = fc.oneof({ weight: 6, arbitrary: fc.constant('own') }, { weight: 1, arbitrary: fc.constantFrom('none', 'other', 'wrong') });
  const version = fc.oneof({ weight: 8, arbitrary: fc.constant('1.0.0') }, { weight: 1, arbitrary: fc.constantFrom('0.2.2', '', 'x') });
  const target = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...tus.uploads) },
    { weight: 1, arbitrary: fc.constantFrom('/v1/uploads/0123456789abcdef0123456789abcdef', '/v1/uploads/..%2F..', '/v1/uploads/%zz', '/v1/uploads/x').map((path) => ({ path, apiKey: '' })) },
  );
  const body = fc.oneof(
    fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
    fc.constant(undefined),
  );
  const tamper = (url: string, v: string) => url.replace(/(signature|expires|key|bucket|nonce)=[^&]*/, `$1=${encodeURIComponent(v)}`);
  const request = fc.oneof(
    // Creation, with an API key or a presigned creation URL (as made, or tampered).
    fc
      .record({
        t: tenant,
        a: auth,
        v: version,
        length: number,
        meta: metadataOf(ctx),
        body,
        presigned: fc.oneof(fc.constant(undefined), fc.constantFrom(...tus.creationUrls)),
        spoil: fc.option(nasty, { nil: undefined }),
      })
      .map((r) => ({
        method: 'POST',
        url: r.presigned ? (r.spoil !== undefined ? tamper(r.presigned, r.spoil) : r.presigned) : '/v1/uploads',
        tenant: r.t,
        auth: r.presigned ? 'none' : r.a,
        headers: {
          'tus-resumable': r.v,
          'upload-length': r.length,
          ...(r.meta !== undefined && { 'upload-metadata': r.meta }),
          ...(r.body && { 'content-type': 'application/offset+octet-stream' }),
        } as Record<string, string>,
        payload: r.body,
      })),
    // Appends at any offset, with any type and checksum.
    fc
      .record({
        t: tenant,
        a: auth,
        v: version,
        target,
        offset: number,
        type: fc.constantFrom('application/offset+octet-stream', 'application/octet-stream', 'text/plain', ''),
        checksum: fc.option(fc.constantFrom('sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=', 'md5 x', 'crc32 AAAA', 'sha256', ' '), { nil: undefined }),
        body,
        length: fc.option(number, { nil: undefined }),
      })
      .map((r) => ({
        method: 'PATCH',
        url: r.target.path,
        tenant: r.t,
        auth: r.target.path.includes('signature=') ? 'none' : r.a,
        headers: {
          'tus-resumable': r.v,
          'upload-offset': r.offset,
          ...(r.type && { 'content-type': r.type }),
          ...(r.checksum && { 'upload-checksum': r.checksum }),
          ...(r.length !== undefined && { 'upload-length': r.length }),
        } as Record<string, string>,
        payload: r.body ?? Buffer.alloc(0),
      })),
    fc.record({ t: tenant, a: auth, v: version, target, method: fc.constantFrom('HEAD', 'DELETE', 'OPTIONS') }).map((r) => ({
      method: r.method,
      url: r.target.path,
      tenant: r.t,
      auth: r.target.path.includes('signature=') ? 'none' : r.a,
      headers: { 'tus-resumable': r.v } as Record<string, string>,
      payload: undefined as Buffer | undefined,
    })),
  );
  const items = fc.sample(request, { seed: opts.seed, numRuns: opts.count });
  const report = newReport();
  const byId = new Map(operations().map((o) => [o.operationId, o]));
  const ops = new Map([
    ['POST', 'tusCreate'],
    ['PATCH', 'tusAppend'],
    ['HEAD', 'tusOffset-head'],
    ['DELETE', 'tusTerminate'],
    ['OPTIONS', 'tusOptions'],
  ]);
  await run(items, 4, async (req) => {
    const other = ctx.tenants.find((t) => t !== req.tenant)!;
    const key = req.auth === 'own' ? req.tenant.apiKey : req.auth === 'other' ? other.apiKey : req.auth === 'wrong' ? `s3g_${'y'.repeat(30)}` : undefined;
    const headers = { ...req.headers, ...(key && { authorization: `Bearer ${key}` }) };
    const res = await app.inject({ method: req.method as 'POST', url: req.url, headers, payload: req.payload });
    const contentType = res.headers['content-type'] as string | undefined;
    count(report, res.statusCode, contentType, res.body);
    // tus's own statuses (460 checksum) are errors too: the same shape.
    const problem = problemOf(byId.get(ops.get(req.method) ?? ''), res.statusCode, contentType, res.body);
    if (problem)
      report.findings.push({
        request: { operationId: ops.get(req.method) ?? req.method, method: req.method, url: req.url, headers, payload: req.payload?.subarray(0, 200).toString() },
        status: res.statusCode,
        problem,
        body: res.body.slice(0, 300),
      });
  });
  return finish(report);
}
