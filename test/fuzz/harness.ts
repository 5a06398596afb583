// The hostile-input harness: requests generated with fast-check from openapi.yaml (valid ones and
// mutated ones) and random GraphQL documents and ingest bodies, sent to a gateway in process, each
// answer checked against the invariants. Used by test/fuzz/*.test.ts (a short seeded pass) and
// `npm run fuzz` (100,000 requests).
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { parse as parseYaml } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));

type Schema = Record<string, any>;
export interface Operation {
  method: string;
  path: string;
  operationId: string;
  params: { name: string; in: 'path' | 'query' | 'header'; required: boolean; schema: Schema }[];
  body?: Schema;
  bodyType?: string;
  responses: Record<string, Schema | undefined>;
  admin: boolean;
}

export interface FuzzRequest {
  operationId: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

export interface Finding {
  request: FuzzRequest;
  status: number;
  problem: string;
  body: string;
}

export interface FuzzReport {
  requests: number;
  byStatus: Record<string, number>;
  byCode: Record<string, number>;
  findings: Finding[];
  rssMB: { start: number; end: number };
  /** The heap after a full collection: what the process really holds (RSS also counts pages V8 keeps). */
  heapMB: { start: number; end: number };
}

/** What a fuzz run may use: tenants (with buckets and keys that exist) and the admin token. */
export interface FuzzContext {
  tenants: { id: string; apiKey: string; buckets: string[]; keys: string[]; s3: { accessKeyId: string; secretAccessKey: string } }[];
  adminToken: string;
  ingestPath: string;
}

const doc = parseYaml(readFileSync(`${root}/openapi.yaml`, 'utf8')) as Schema;
export const documentedCodes: string[] = doc.components.schemas.ErrorResponse.properties.code.enum;

/** Every operation of the document, with what it takes. */
export function operations(): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Schema>)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'put', 'post', 'delete', 'head', 'patch'].includes(method)) continue;
      const content = op.requestBody?.content as Record<string, { schema: Schema }> | undefined;
      const bodyType = content ? Object.keys(content)[0] : undefined;
      const responses: Record<string, Schema | undefined> = {};
      for (const [status, r] of Object.entries(op.responses as Record<string, Schema>)) responses[status] = (r.content?.['application/json'] as { schema?: Schema } | undefined)?.schema;
      ops.push({
        method: method.toUpperCase(),
        path,
        operationId: op.operationId,
        params: (op.parameters ?? []) as Operation['params'],
        body: bodyType ? content![bodyType].schema : undefined,
        bodyType,
        responses,
        admin: path.startsWith('/admin'),
      });
    }
  }
  return ops;
}

/** Values that break naive code: huge, empty, odd encodings, control characters, other types. */
export const nasty = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '..',
    '../../etc/passwd',
    '%',
    '%zz',
    '%00',
    '\u0000',
    '\r\n',
    '🚀',
    'a'.repeat(5000),
    '-1',
    '1e308',
    'NaN',
    'null',
    'true',
    '[]',
    '{}',
    '2026-12-31T23:59:60Z',
    '*',
    "' OR 1=1 --",
    '<script>',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
export const nastyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, -1, 0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 1.5, '', [], {}, 'x'.repeat(10_000)),
  nasty,
  fc.integer(),
  fc.double({ noNaN: true }),
);

/** A value for a JSON schema: usually valid, sometimes not. */
function arbitraryOf(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return nastyJson;
  if (schema.$ref) return arbitraryOf(resolveRef(schema.$ref), depth);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...(alternatives as Schema[]).map((s) => arbitraryOf(s, depth + 1)));
  if (schema.enum) return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...(schema.enum as unknown[])) }, { weight: 1, arbitrary: nastyJson });
  if (schema.const !== undefined) return fc.constant(schema.const);
  const valid = ((): fc.Arbitrary<unknown> => {
    switch (Array.isArray(schema.type) ? schema.type[0] : schema.type) {
      case 'string':
        if (schema.format === 'date-time') return fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
        if (schema.format === 'uri') return fc.constantFrom('http://127.0.0.1:9/hook', 'https://example.invalid/x', 'ftp://x', 'http://[::1]/', 'http://169.254.169.254/');
        return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 30, 60) });
      case 'integer':
        return fc.integer({ min: schema.minimum ?? -10, max: Math.min(schema.maximum ?? 100_000, 1e9) });
      case 'number':
        return fc.double({ min: schema.minimum ?? -10, max: Math.min(schema.maximum ?? 1e6, 1e9), noNaN: true });
      case 'boolean':
        return fc.boolean();
      case 'array':
        return fc.array(arbitraryOf(schema.items, depth + 1), { maxLength: 4 });
      case 'object': {
        const props = Object.entries((schema.properties ?? {}) as Record<string, Schema>);
        const required = new Set((schema.required ?? []) as string[]);
        return fc.record(Object.fromEntries(props.map(([k, s]) => [k, arbitraryOf(s, depth + 1)])), { requiredKeys: props.map(([k]) => k).filter((k) => required.has(k)) });
      }
      default:
        return nastyJson;
    }
  })();
  return fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: nastyJson });
}

function resolveRef(ref: string): Schema {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce((node: Schema, part) => node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
}

/** A JSON body: valid-ish, with a required field dropped, an unknown field added, or not JSON at all. */
function bodyOf(op: Operation): fc.Arbitrary<{ payload?: string | Buffer; contentType?: string }> {
  const json = arbitraryOf(op.body).map((v) => ({ payload: JSON.stringify(v), contentType: 'application/json' }));
  return fc.oneof(
    { weight: 6, arbitrary: json },
    {
      weight: 1,
      arbitrary: fc
        .tuple(arbitraryOf(op.body), fc.string({ maxLength: 10 }), nastyJson)
        .map(([v, k, x]) => ({ payload: JSON.stringify(typeof v === 'object' && v ? { ...v, [k || 'extra']: x } : v), contentType: 'application/json' })),
    },
    { weight: 1, arbitrary: fc.constantFrom('{"a":', '[1,2', 'not json', '{"__proto__":{"x":1}}', '').map((p) => ({ payload: p, contentType: 'application/json' })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.uint8Array({ maxLength: 64 }),
          fc.constantFrom(
            'text/plain',
            'application/octet-stream',
            'multipart/form-data',
            'multipart/form-data; boundary=x',
            'application/x-www-form-urlencoded',
            'application/json; charset=latin1',
            '',
          ),
        )
        .map(([b, ct]) => ({ payload: Buffer.from(b), contentType: ct })),
    },
    { weight: 1, arbitrary: fc.constant({}) },
  );
}

/** One request for an operation, with a tenant's or the admin's credentials, someone else's, or none. */
export function requestOf(op: Operation, ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const tenant = fc.constantFrom(...ctx.tenants);
  const auth = fc.oneof({ weight: 8, arbitrary: fc.constant('own') }, { weight: 1, arbitrary: fc.constantFrom('none', 'wrong', 'garbage') });
  return fc
    .record({
      tenant,
      auth,
      body: bodyOf(op),
      extra: fc.dictionary(
        fc.constantFrom('range', 'if-none-match', 'if-match', 'x-meta-a', 'x-meta-Bad Name', 'content-length', 'upgrade', 'x-forwarded-host'),
        nasty.filter((v) => /^[\x20-\x7e]*$/.test(v)),
        { maxKeys: 2 },
      ),
      values: fc.array(fc.boolean(), { minLength: 1, maxLength: 1 }),
    })
    .chain(({ tenant: t, auth: a, body, extra }) => {
      const path = fc.tuple(
        ...op.params
          .filter((p) => p.in === 'path')
          .map((p) => {
            const known = p.name === 'bucket' ? t.buckets : p.name === 'key' ? t.keys : p.name === 'token' ? [ctx.ingestPath.split('/').pop()!] : [];
            const validish = known.length ? fc.constantFrom(...known) : fc.string({ minLength: 1, maxLength: 20 });
            return fc.tuple(fc.constant(p.name), fc.oneof({ weight: 4, arbitrary: validish }, { weight: 1, arbitrary: nasty.filter((v) => v.length > 0) }));
          }),
      );
      const query = fc.array(fc.tuple(fc.constantFrom(...op.params.filter((p) => p.in === 'query').map((p) => p.name), 'unknown'), arbitraryOf(undefined).map(String)), { maxLength: 3 });
      const validQuery = fc.tuple(
        ...op.params
          .filter((p) => p.in === 'query')
          .map((p) => fc.tuple(fc.constant(p.name), arbitraryOf(p.schema)).map(([n, v]) => (v === undefined ? undefined : ([n, String(v)] as [string, string])))),
      );
      return fc
        .record({
          path,
          query: fc.oneof(
            validQuery.map((q) => q.filter((x): x is [string, string] => Boolean(x))),
            query,
          ),
        })
        .map(({ path: segments, query: q }) => {
          let url = op.path;
          for (const [name, value] of segments) url = url.replace(`{${name}}`, name === 'key' ? encodeURIComponent(value).replace(/%2F/g, '/') : encodeURIComponent(value));
          const search = new URLSearchParams(q as [string, string][]).toString();
          const token = op.admin ? ctx.adminToken : t.apiKey;
          const authorization = a === 'own' ? `Bearer ${token}` : a === 'wrong' ? `Bearer s3g_${'x'.repeat(30)}` : a === 'garbage' ? 'Basic Zm9vOmJhcg==' : undefined;
          const headers: Record<string, string> = {
            ...extra,
            ...(authorization && { authorization }),
            ...(body.contentType !== undefined && body.payload !== undefined && { 'content-type': body.contentType }),
          };
          // A body only where one is sent; the content-length a client sends must match what is sent.
          delete headers['content-length'];
          return {
            operationId: op.operationId,
            method: op.method,
            url: url + (search ? `?${search}` : ''),
            headers,
            ...(op.method !== 'GET' && op.method !== 'HEAD' && body.payload !== undefined && { payload: body.payload }),
          };
        });
    });
}

const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: true });
addFormats.default(ajv);
ajv.addSchema({ ...doc, $id: 'openapi' }, 'openapi');
const validators = new Map<string, ReturnType<typeof ajv.compile>>();
function validatorFor(op: Operation, status: number) {
  const key = `${op.path} ${op.method} ${status}`;
  if (validators.has(key)) return validators.get(key);
  const statuses = Object.keys(op.responses);
  const match = statuses.find((s) => s === String(status)) ?? statuses.find((s) => s === `${String(status)[0]}XX` || s === `${String(status)[0]}xx`);
  const pointer =
    match && op.responses[match] ? `openapi#/paths/${op.path.replace(/~/g, '~0').replace(/\//g, '~1')}/${op.method.toLowerCase()}/responses/${match}/content/application~1json/schema` : undefined;
  const v = pointer ? ajv.compile({ $ref: pointer }) : undefined;
  validators.set(key, v!);
  return v;
}

/** What is wrong with an answer, or undefined: the invariants every answer of the gateway keeps. */
export function problemOf(op: Operation | undefined, status: number, contentType: string | undefined, body: string): string | undefined {
  if (status >= 500) return `a ${status} for a client's request`;
  if (status >= 400 && (body !== '' || !op || op.method !== 'HEAD')) {
    let err: Record<string, unknown>;
    try {
      err = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return 'an error answer that is not JSON';
    }
    const keys = Object.keys(err)
      .filter((k) => k !== 'upstream')
      .sort();
    if (keys.join(',') !== 'code,error,message,statusCode') return `an error without the shape {statusCode, code, error, message}: ${keys.join(',')}`;
    if (!documentedCodes.includes(err.code as string)) return `an undocumented code ${String(err.code)}`;
    if (err.statusCode !== status) return `statusCode ${String(err.statusCode)} in a ${status} answer`;
    if (typeof err.message !== 'string' || err.message.length < 5) return 'an error without a message';
  }
  if (op && contentType?.startsWith('application/json') && body) {
    const validate = validatorFor(op, status);
    if (validate && !validate(JSON.parse(body))) return `the answer does not match the document's schema for ${status}: ${ajv.errorsText(validate.errors)}`;
    if (!validate && status < 400 && !Object.keys(op.responses).some((s) => s.startsWith(String(status)[0]))) return `status ${status} is not in the document`;
  }
  return undefined;
}

const rssMB = () => Math.round(process.memoryUsage().rss / 1024 / 1024);
v8.setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;
/** The live heap, after a full collection. */
export const heapMB = () => {
  gc();
  return Math.round(process.memoryUsage().heapUsed / 1024 / 1024);
};
export const newReport = (): FuzzReport => ({ requests: 0, byStatus: {}, byCode: {}, findings: [], rssMB: { start: rssMB(), end: 0 }, heapMB: { start: heapMB(), end: 0 } });
export const finish = (report: FuzzReport) => {
  report.rssMB.end = rssMB();
  report.heapMB.end = heapMB();
  return report;
};

/** Sends `count` generated requests (seeded) to the app and checks each answer. */
export async function fuzzRest(app: FastifyInstance, ctx: FuzzContext, opts: { count: number; seed: number; concurrency?: number; exclude?: (op: Operation) => boolean }): Promise<FuzzReport> {
  // GraphQL answers in its own shape; fuzzGraphql covers it.
  const ops = operations().filter((op) => op.path !== '/graphql' && !opts.exclude?.(op));
  const byId = new Map(ops.map((o) => [o.operationId, o]));
  const arb = fc.oneof(...ops.map((op) => requestOf(op, ctx)));
  const report = newReport();
  const requests = fc.sample(arb, { seed: opts.seed, numRuns: opts.count });
  await run(requests, opts.concurrency ?? 4, async (req) => {
    const res = await app.inject({ method: req.method as 'GET', url: req.url, headers: req.headers, payload: req.payload });
    count(report, res.statusCode, res.headers['content-type'] as string | undefined, res.body);
    const problem = problemOf(byId.get(req.operationId), res.statusCode, res.headers['content-type'] as string | undefined, res.body);
    if (problem) report.findings.push({ request: req, status: res.statusCode, problem, body: res.body.slice(0, 300) });
  });
  return finish(report);
}

export function count(report: FuzzReport, status: number, contentType: string | undefined, body: string) {
  report.requests++;
  report.byStatus[status] = (report.byStatus[status] ?? 0) + 1;
  if (status >= 400 && body !== '' && contentType?.startsWith('application/json')) {
    try {
      const parsed = JSON.parse(body) as { code?: string; errors?: { extensions?: { code?: string } }[] };
      const code = parsed.code ?? parsed.errors?.[0]?.extensions?.code ?? '(none)';
      report.byCode[code] = (report.byCode[code] ?? 0) + 1;
    } catch {
      report.byCode['(not JSON)'] = (report.byCode['(not JSON)'] ?? 0) + 1;
    }
  }
}

export async function run<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        await fn(items[next++]);
        // An injected request can complete in microtasks alone (SQLite answers synchronously): without
        // a turn of the event loop between requests, what they leave to setImmediate (a response's
        // close) piles up for the whole run, which a served gateway never sees, and reads as a leak.
        await new Promise((resolve) => setImmediate(resolve));
      }
    }),
  );
}

// ---- GraphQL: random documents from the schema's own root fields, arguments and selections ----

/** A random GraphQL document: real fields with random (often wrong) arguments, aliases, fragments, or plain garbage. */
export function graphqlDocument(ctx: FuzzContext): fc.Arbitrary<{ query: string; variables?: Record<string, unknown> }> {
  const bucket = fc.oneof(fc.constantFrom(...ctx.tenants.flatMap((t) => t.buckets)), nasty);
  const str = (a: fc.Arbitrary<string>) => a.map((s) => JSON.stringify(s));
  const intArg = fc.oneof(fc.integer({ min: -5, max: 2000 }), fc.constantFrom(0, 2147483647, -2147483648)).map(String);
  const objectFields = fc
    .subarray(['key', 'size', 'etag', 'lastModified', 'contentType', 'metadata', 'downloadUrl', 'text', 'bucket', 'nope'], { minLength: 1 })
    .chain((fields) =>
      fc
        .tuple(...fields.map((f) => (f === 'text' ? intArg.map((n) => `text(maxBytes: ${n})`) : f === 'downloadUrl' ? intArg.map((n) => `downloadUrl(expiresIn: ${n})`) : fc.constant(f))))
        .map((fs) => fs.join(' ')),
    );
  const queries = fc.oneof(
    fc.constant('{ buckets { name createdAt } }'),
    fc
      .tuple(bucket, intArg, objectFields, fc.option(str(nasty)))
      .map(
        ([b, n, f, after]) =>
          `{ bucket(name: ${JSON.stringify(b)}) { name objects(first: ${n}${after ? `, after: ${after}` : ''}) { edges { cursor node { ${f} } } prefixes pageInfo { hasNextPage endCursor } } } }`,
      ),
    fc.tuple(bucket, str(nasty), objectFields).map(([b, k, f]) => `{ object(bucket: ${JSON.stringify(b)}, key: ${k}) { ${f} } }`),
    fc
      .tuple(intArg, str(nasty), str(nasty))
      .map(([n, since, after]) => `{ events(first: ${n}, since: ${since}, after: ${after}) { edges { node { id type data { key size } } } pageInfo { hasNextPage } } }`),
    fc.tuple(str(nasty)).map(([id]) => `{ webhook(id: ${id}) { id url deliveries(first: 5) { edges { node { id status } } } } webhooks { id } }`),
    fc
      .tuple(bucket, str(nasty), str(nasty), fc.constantFrom('UTF8', 'BASE64', 'HEX'), fc.option(str(nasty)))
      .map(([b, k, c, e, m]) => `mutation { putObject(bucket: ${JSON.stringify(b)}, key: ${k}, content: ${c}, encoding: ${e}${m ? `, ifNoneMatch: ${m}` : ''}) { key etag size } }`),
    fc.tuple(bucket, fc.array(str(nasty), { maxLength: 5 })).map(([b, ks]) => `mutation { deleteObjects(bucket: ${JSON.stringify(b)}, keys: [${ks.join(', ')}]) { deleted errors { key code } } }`),
    fc.tuple(str(nasty), fc.array(str(nasty), { maxLength: 3 })).map(([u, ev]) => `mutation { createWebhook(input: { url: ${u}, events: [${ev.join(', ')}] }) { secret webhook { id } } }`),
    fc.tuple(str(nasty), str(nasty)).map(([id, since]) => `mutation { replayWebhook(id: ${id}, since: ${since}) }`),
    fc.tuple(bucket, str(nasty), intArg).map(([b, k, n]) => `mutation { createUploadUrl(bucket: ${JSON.stringify(b)}, key: ${k}, expiresIn: ${n}) { url method } }`),
    fc.integer({ min: 1, max: 300 }).map((n) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: buckets { name }`).join(' ')} }`),
    fc.integer({ min: 1, max: 40 }).map((n) => `{ ${'bucket(name: "x") { objects { edges { node { bucket '.repeat(1)}${'key '.repeat(n)} } } } } }`),
    fc.constantFrom(
      'query { __schema { types { name fields { name } } } }',
      '{ __typename }',
      'fragment F on Query { ...F } { ...F }',
      'subscription { objectEvents { id } }',
      '{',
      '',
      '{ buckets { name } } { buckets { name } }',
    ),
    nasty,
  );
  return fc.record({ query: queries, variables: fc.option(fc.dictionary(fc.string({ maxLength: 5 }), nastyJson, { maxKeys: 2 }), { nil: undefined }) });
}

/** Random GraphQL documents over HTTP: never a 5xx, every error with a documented code. */
export async function fuzzGraphql(app: FastifyInstance, ctx: FuzzContext, opts: { count: number; seed: number }): Promise<FuzzReport> {
  const report = newReport();
  const docs = fc.sample(fc.tuple(graphqlDocument(ctx), fc.constantFrom(...ctx.tenants)), { seed: opts.seed, numRuns: opts.count });
  await run(docs, 4, async ([d, t]) => {
    const res = await app.inject({ method: 'POST', url: '/graphql', headers: { 'content-type': 'application/json', authorization: `Bearer ${t.apiKey}` }, payload: JSON.stringify(d) });
    count(report, res.statusCode, res.headers['content-type'] as string | undefined, res.body);
    const problem = graphqlProblem(res.statusCode, res.body);
    if (problem)
      report.findings.push({
        request: { operationId: 'graphql', method: 'POST', url: '/graphql', headers: {}, payload: JSON.stringify(d).slice(0, 500) },
        status: res.statusCode,
        problem,
        body: res.body.slice(0, 300),
      });
  });
  return finish(report);
}

function graphqlProblem(status: number, body: string): string | undefined {
  if (status >= 500) return `a ${status} for a client's document`;
  let parsed: { data?: unknown; errors?: { message?: string; extensions?: { code?: string } }[] };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    return 'an answer that is not JSON';
  }
  if (!('data' in parsed) && !parsed.errors) return 'neither data nor errors';
  for (const e of parsed.errors ?? []) {
    if (!e.extensions?.code || !documentedCodes.includes(e.extensions.code)) return `an error without a documented code: ${JSON.stringify(e).slice(0, 200)}`;
    if (e.extensions.code === 'S3GATE_INTERNAL') return `an internal error: ${e.message}`;
    if (/\bat .*\.(ts|js):\d+/.test(e.message ?? '')) return 'a stack trace in a message';
  }
  return undefined;
}

/** Random notification bodies to the ingest endpoint: never a 5xx, errors in the API's shape. */
export async function fuzzIngest(app: FastifyInstance, ctx: FuzzContext, opts: { count: number; seed: number }): Promise<FuzzReport> {
  const record = fc.record(
    {
      eventSource: fc.constantFrom('aws:s3', 'ceph:s3', 'minio:s3', ''),
      eventName: fc.oneof(fc.constantFrom('ObjectCreated:Put', 's3:ObjectRemoved:Delete', 'ObjectCreated:Copy', 'Weird'), nasty),
      s3: fc.record(
        {
          bucket: fc.record({ name: fc.oneof(fc.constantFrom('okbucket', 'ok.bucket'), nasty) }),
          object: fc.record({ key: nasty, size: nastyJson, eTag: nastyJson, sequencer: nastyJson }, { requiredKeys: [] }),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  );
  const bodies = fc.oneof(
    fc.array(record, { maxLength: 120 }).map((Records) => JSON.stringify({ Records })),
    fc
      .record({
        Type: fc.constantFrom('Notification', 'SubscriptionConfirmation', 'Other'),
        Message: fc.oneof(
          nasty,
          fc.array(record, { maxLength: 3 }).map((Records) => JSON.stringify({ Records })),
        ),
        SubscribeURL: nasty,
      })
      .map((b) => JSON.stringify(b)),
    fc.record({ 'detail-type': fc.constantFrom('Object Created', 'Object Deleted', 'x'), source: fc.constantFrom('aws.s3', 'x'), detail: nastyJson }).map((b) => JSON.stringify(b)),
    nasty,
    fc.jsonValue().map((v) => JSON.stringify(v)),
  );
  const report = newReport();
  const items = fc.sample(fc.tuple(bodies, fc.constantFrom('application/json', 'text/plain; charset=UTF-8', 'application/xml'), fc.boolean()), { seed: opts.seed, numRuns: opts.count });
  const op = operations().find((o) => o.operationId === 'ingestS3Events');
  await run(items, 4, async ([payload, contentType, validToken]) => {
    const url = validToken ? ctx.ingestPath : '/ingest/s3/ing_wrong';
    const res = await app.inject({ method: 'POST', url, headers: { 'content-type': contentType }, payload });
    count(report, res.statusCode, res.headers['content-type'] as string | undefined, res.body);
    const problem = problemOf(op, res.statusCode, res.headers['content-type'] as string | undefined, res.body);
    if (problem)
      report.findings.push({
        request: { operationId: 'ingestS3Events', method: 'POST', url, headers: { 'content-type': contentType }, payload: payload.slice(0, 500) },
        status: res.statusCode,
        problem,
        body: res.body.slice(0, 300),
      });
  });
  return finish(report);
}
