// The hostile-input harness for the S3 door: S3 requests of every kind the door serves (and some it
// does not), signed with a tenant's S3 key as a client would sign them, then often mutated: headers
// and query parameters added after signing, XML bodies that are malformed, huge in elements or
// entity-laden, payload hashes that lie, signatures of another key or none. Every answer must keep
// the door's invariants: never a 5xx for a client's request, every error S3's XML document.
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { Agent, request } from 'undici';
import type { FastifyInstance } from 'fastify';
import { Sha256 } from '../../src/s3/sha256.js';
import { signV2, stringToSignV2 } from '../../src/door/protocol/sigv2.js';
import { finish, nasty, newReport, run, type FuzzContext, type FuzzReport } from './harness.js';

const HOST = 'fuzz.s3.local';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface DoorRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: Buffer;
  /** A browser's form POST (POST Object): built and, when `sign`, signed with the tenant's key in prepare. */
  form?: { fields: [string, string][]; policy: 'valid' | string; sign: boolean; file: Buffer };
}

/** How a generated request is authenticated and then spoiled. */
type Mutation = 'none' | 'sigv2' | 'add-amz-header' | 'add-query' | 'change-header' | 'wrong-payload-hash' | 'wrong-secret' | 'unsigned' | 'garbage-auth' | 'presigned' | 'presigned-extra-header';

const headerValue = nasty.map((v) => v.replace(/[^\x20-\x7e]/g, '')).filter((v) => v.length < 300);

/** Segments of an object key: real ones, S3's odd ones, and hostile ones, percent-encoded as sent. */
function keyOf(ctx: FuzzContext): fc.Arbitrary<string> {
  const known = ctx.tenants.flatMap((t) => t.keys);
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...known).map((k) => k.split('/').map(encodeURIComponent).join('/')) },
    { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '%E0%A4%A', '..%2F..%2Fetc', 'a//b', '%00', 'k'.repeat(1100), '.', '..', '%C0%AF') },
    { weight: 2, arbitrary: nasty.filter((s) => s.length > 0).map((s) => encodeURIComponent(s)) },
  );
}

/** XML bodies for DeleteObjects and CompleteMultipartUpload: valid ones, broken ones, expensive ones. */
function xmlBody(root: 'Delete' | 'CompleteMultipartUpload', ctx: FuzzContext): fc.Arbitrary<string> {
  const key = fc.oneof(fc.constantFrom(...ctx.tenants.flatMap((t) => t.keys)), nasty).map((k) => k.replace(/&/g, '&amp;').replace(/</g, '&lt;'));
  const item =
    root === 'Delete'
      ? key.map((k) => `<Object><Key>${k}</Key></Object>`)
      : fc.tuple(fc.integer({ min: -1, max: 10_001 }), fc.stringMatching(/^[0-9a-f]{0,34}$/)).map(([n, e]) => `<Part><PartNumber>${n}</PartNumber><ETag>"${e}"</ETag></Part>`);
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .array(item, { minLength: 0, maxLength: 20 })
        .map((items) => `<?xml version="1.0" encoding="UTF-8"?><${root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${items.join('')}</${root}>`),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        `<${root}>`,
        `<${root}><Object><Key>&#0;</Key></Object></${root}>`,
        `<${root}><Object><Key>&#xD800;</Key></Object></${root}>`,
        `<!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><${root}><Object><Key>&b;</Key></Object></${root}>`,
        `<${root}>${'<a/>'.repeat(20_000)}</${root}>`,
        `<${root}>${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</${root}>`,
        `<${root}>${'<Object><Key>k</Key></Object>'.repeat(1001)}</${root}>`,
        '<Other/>',
        '',
        'not xml at all',
      ),
    },
    { weight: 1, arbitrary: nasty },
  );
}

/** Bodies of PUT ?cors and PUT ?tagging: valid ones, ones S3 refuses, and broken XML. */
function configBody(kind: 'cors' | 'tagging'): fc.Arbitrary<string> {
  const text = nasty.map((v) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;'));
  const valid =
    kind === 'cors'
      ? fc
          .array(fc.tuple(fc.constantFrom('https://app.example', '*', 'http://*.example'), fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'PATCH'), text), { minLength: 1, maxLength: 4 })
          .map(
            (rules) =>
              `<CORSConfiguration>${rules.map(([o, m, h]) => `<CORSRule><AllowedOrigin>${o}</AllowedOrigin><AllowedMethod>${m}</AllowedMethod><AllowedHeader>${h}</AllowedHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule>`).join('')}</CORSConfiguration>`,
          )
      : fc.array(fc.tuple(text, text), { maxLength: 12 }).map((tags) => `<Tagging><TagSet>${tags.map(([k, v]) => `<Tag><Key>${k}</Key><Value>${v}</Value></Tag>`).join('')}</TagSet></Tagging>`);
  return fc.oneof(
    { weight: 3, arbitrary: valid },
    { weight: 1, arbitrary: fc.constantFrom('', '<x', `<${kind === 'cors' ? 'CORSConfiguration' : 'Tagging'}>${'<a/>'.repeat(20_000)}</x>`, 'not xml') },
    { weight: 1, arbitrary: nasty },
  );
}

/** A form POST's body, with a policy (signed with SigV4 by `key` when asked) and the file last. */
function formBody(bucket: string, form: NonNullable<DoorRequest['form']>, key: { accessKeyId: string; secretAccessKey: string }): { body: Buffer; contentType: string } {
  const date = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
  const scope = `${date.slice(0, 8)}/us-east-1/s3/aws4_request`;
  const credential = `${key.accessKeyId}/${scope}`;
  const policy =
    form.policy === 'valid'
      ? Buffer.from(
          JSON.stringify({
            expiration: new Date(Date.now() + 600_000).toISOString(),
            conditions: [
              { bucket: decodeURIComponent(bucket) },
              ['starts-with', '$key', ''],
              ['content-length-range', 0, 1024],
              { 'x-amz-algorithm': 'AWS4-HMAC-SHA256' },
              { 'x-amz-credential': credential },
              { 'x-amz-date': date },
            ],
          }),
        ).toString('base64')
      : form.policy;
  const hmac = (k: Buffer | string, v: string): Buffer => createHmac('sha256', k).update(v).digest();
  let signingKey = hmac(`AWS4${key.secretAccessKey}`, date.slice(0, 8));
  for (const part of ['us-east-1', 's3', 'aws4_request']) signingKey = hmac(signingKey, part);
  const fields: [string, string][] = [
    ['key', 'form/$' + '{filename}'],
    ['x-amz-algorithm', 'AWS4-HMAC-SHA256'],
    ['x-amz-credential', credential],
    ['x-amz-date', date],
    ['policy', policy],
  ];
  if (form.sign) fields.push(['x-amz-signature', createHmac('sha256', signingKey).update(policy).digest('hex')]);
  fields.push(...form.fields);
  const boundary = `----fuzz${createHash('sha1').update(policy).digest('hex').slice(0, 16)}`;
  const parts: Buffer[] = fields.map(([n, v]) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`));
  parts.push(
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    form.file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** One S3 request of a kind the door serves, with arguments usually right and sometimes not. */
function doorRequest(ctx: FuzzContext): fc.Arbitrary<DoorRequest> {
  const bucket = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...ctx.tenants.flatMap((t) => t.buckets)) }, { weight: 1, arbitrary: nasty.filter((s) => s.length > 0).map(encodeURIComponent) });
  const key = keyOf(ctx);
  const extra = fc.dictionary(
    fc.constantFrom(
      'content-type',
      'cache-control',
      'content-disposition',
      'content-encoding',
      'expires',
      'x-amz-meta-a',
      'x-amz-meta-b',
      'if-match',
      'if-none-match',
      'if-modified-since',
      'range',
      'content-md5',
      'x-amz-checksum-crc32',
      'x-amz-checksum-sha256',
      'x-amz-acl',
      'x-amz-storage-class',
      'x-amz-tagging',
      'x-amz-copy-source',
      'x-amz-copy-source-range',
      'x-amz-metadata-directive',
      'x-amz-server-side-encryption',
    ),
    headerValue,
    { maxKeys: 3 },
  );
  const uploadId = fc.oneof(fc.constantFrom('2~abc', 'nope', ''), fc.stringMatching(/^[0-9a-f]{0,40}$/), nasty);
  const q = (name: string, v: fc.Arbitrary<unknown>) => v.map((x) => [name, String(x)] as [string, string]);
  const listQuery = fc.array(
    fc.oneof(
      q('prefix', nasty),
      q('delimiter', fc.constantFrom('/', '', '%', 'ab')),
      q('max-keys', fc.oneof(fc.integer({ min: -2, max: 5000 }), nasty)),
      q('marker', nasty),
      q('start-after', nasty),
      q('continuation-token', nasty),
      q('encoding-type', fc.constantFrom('url', 'x', '')),
      q('fetch-owner', fc.boolean()),
      q('list-type', fc.constantFrom('2', '1', 'x')),
    ),
    { maxLength: 4 },
  );
  const body = fc.oneof(
    fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)),
    fc.constant(Buffer.alloc(0)),
  );
  const requests: fc.Arbitrary<DoorRequest>[] = [
    fc.constant({ method: 'GET', path: '/', query: {}, headers: {}, body: Buffer.alloc(0) }),
    fc.tuple(bucket, listQuery).map(([b, ql]) => ({ method: 'GET', path: `/${b}`, query: Object.fromEntries(ql), headers: {}, body: Buffer.alloc(0) })),
    fc
      .tuple(bucket, fc.constantFrom('location', 'versioning', 'versions', 'uploads', 'acl', 'tagging', 'policy', 'cors', 'lifecycle', 'notification', 'website', 'object-lock'))
      .map(([b, sub]) => ({ method: 'GET', path: `/${b}`, query: { [sub]: '' }, headers: {}, body: Buffer.alloc(0) })),
    fc.tuple(bucket, fc.constantFrom('HEAD', 'PUT', 'DELETE')).map(([b, m]) => ({ method: m, path: `/${b}`, query: {}, headers: {}, body: Buffer.alloc(0) })),
    fc
      .tuple(
        bucket,
        fc.constantFrom(
          '',
          '<CreateBucketConfiguration><LocationConstraint>us-east-1</LocationConstraint></CreateBucketConfiguration>',
          '<CreateBucketConfiguration><LocationConstraint>eu-west-9</LocationConstraint></CreateBucketConfiguration>',
          '<x',
          '<CreateBucketConfiguration>&#0;</CreateBucketConfiguration>',
        ),
      )
      .map(([b, x]) => ({ method: 'PUT', path: `/${b}`, query: {}, headers: {}, body: Buffer.from(x) })),
    fc.tuple(bucket, key, extra, body).map(([b, k, h, data]) => ({ method: 'PUT', path: `/${b}/${k}`, query: {}, headers: h, body: data })),
    fc
      .tuple(
        bucket,
        key,
        extra,
        fc.dictionary(fc.constantFrom('response-content-type', 'response-content-disposition', 'response-cache-control', 'partNumber', 'versionId', 'response-expires'), nasty, { maxKeys: 2 }),
      )
      .map(([b, k, h, query]) => ({ method: 'GET', path: `/${b}/${k}`, query, headers: h, body: Buffer.alloc(0) })),
    fc.tuple(bucket, key, extra, fc.constantFrom('HEAD', 'DELETE')).map(([b, k, h, m]) => ({ method: m, path: `/${b}/${k}`, query: {}, headers: h, body: Buffer.alloc(0) })),
    fc.tuple(bucket, xmlBody('Delete', ctx)).map(([b, x]) => ({ method: 'POST', path: `/${b}`, query: { delete: '' }, headers: {}, body: Buffer.from(x) })),
    fc.tuple(bucket, key, extra).map(([b, k, h]) => ({ method: 'POST', path: `/${b}/${k}`, query: { uploads: '' }, headers: h, body: Buffer.alloc(0) })),
    fc
      .tuple(bucket, key, uploadId, fc.oneof(fc.integer({ min: -1, max: 10_001 }), nasty), body, extra)
      .map(([b, k, u, n, data, h]) => ({ method: 'PUT', path: `/${b}/${k}`, query: { partNumber: String(n), uploadId: String(u) }, headers: h, body: data })),
    fc
      .tuple(bucket, key, uploadId, xmlBody('CompleteMultipartUpload', ctx))
      .map(([b, k, u, x]) => ({ method: 'POST', path: `/${b}/${k}`, query: { uploadId: String(u) }, headers: {}, body: Buffer.from(x) })),
    fc.tuple(bucket, key, uploadId, fc.constantFrom('GET', 'DELETE')).map(([b, k, u, m]) => ({ method: m, path: `/${b}/${k}`, query: { uploadId: String(u) }, headers: {}, body: Buffer.alloc(0) })),
    fc.tuple(fc.constantFrom('PATCH', 'OPTIONS', 'PROPFIND'), bucket).map(([m, b]) => ({ method: m, path: `/${b}`, query: {}, headers: {}, body: Buffer.alloc(0) })),
    // CORS preflights: any origin, method and headers asked for, on buckets with and without rules.
    fc
      .tuple(
        bucket,
        fc.option(key, { nil: undefined }),
        fc.dictionary(
          fc.constantFrom('origin', 'access-control-request-method', 'access-control-request-headers'),
          fc.oneof(fc.constantFrom('https://app.example', 'GET', 'PUT', 'x-amz-meta-a, content-type', '*', 'null'), headerValue),
          { maxKeys: 3 },
        ),
      )
      .map(([b, k, h]) => ({ method: 'OPTIONS', path: k === undefined ? `/${b}` : `/${b}/${k}`, query: {}, headers: h, body: Buffer.alloc(0) })),
    // Bucket CORS rules and object tags: XML bodies the door parses and keeps.
    fc.tuple(bucket, configBody('cors')).map(([b, x]) => ({ method: 'PUT', path: `/${b}`, query: { cors: '' }, headers: {}, body: Buffer.from(x) })),
    fc.tuple(bucket, key, configBody('tagging')).map(([b, k, x]) => ({ method: 'PUT', path: `/${b}/${k}`, query: { tagging: '' }, headers: {}, body: Buffer.from(x) })),
    fc.tuple(bucket, key, fc.constantFrom('GET', 'DELETE')).map(([b, k, m]) => ({ method: m, path: `/${b}/${k}`, query: { tagging: '' }, headers: {}, body: Buffer.alloc(0) })),
    // POST Object: a form as a browser sends it, with a policy signed or not, valid or not.
    fc
      .tuple(
        bucket,
        fc.array(
          fc.tuple(
            fc.constantFrom(
              'key',
              'Content-Type',
              'success_action_status',
              'success_action_redirect',
              'tagging',
              'x-amz-meta-a',
              'acl',
              'x-amz-date',
              'x-amz-credential',
              'x-amz-algorithm',
              'AWSAccessKeyId',
              'signature',
              'x-ignore-me',
              'file',
            ),
            fc.oneof(fc.constantFrom('uploads/$' + '{filename}', 'a.txt', '201', '200', 'text/html', 'private', 'public-read', '<Tagging/>'), headerValue),
          ),
          { maxLength: 5 },
        ),
        fc.oneof({ weight: 3, arbitrary: fc.constant<'valid'>('valid') }, { weight: 1, arbitrary: nasty }),
        fc.boolean(),
        fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
      )
      .map(([b, fields, policy, sign, file]) => ({ method: 'POST', path: `/${b}`, query: {}, headers: {}, body: Buffer.alloc(0), form: { fields, policy, sign, file } })),
  ];
  return fc.oneof(...requests);
}

/** Signs (and spoils) a request as the mutation says; returns the URL and headers to send. */
async function prepare(
  req: DoorRequest,
  key: { accessKeyId: string; secretAccessKey: string },
  mutation: Mutation,
  spoil: { name: string; value: string },
): Promise<{ url: string; headers: Record<string, string>; body: Buffer }> {
  if (req.form) {
    // A browser's form carries its own signature: a signed header on top of it is another mutation's.
    const { body, contentType } = formBody(req.path.slice(1), req.form, key);
    req = { ...req, body, headers: { ...req.headers, 'content-type': contentType } };
    if (mutation === 'none') return { url: req.path, headers: { host: HOST, 'content-type': contentType }, body };
  }
  if (mutation === 'sigv2') {
    const date = new Date().toUTCString();
    const fields = Object.fromEntries(Object.entries(req.headers).map(([n, v]) => [n.toLowerCase(), v.trim()]));
    const search = Object.entries(req.query)
      .map(([k, v]) => (v === '' ? encodeURIComponent(k) : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`))
      .join('&');
    const signature = signV2(key.secretAccessKey, stringToSignV2(req.method, req.path, search, fields, date));
    return { url: req.path + (search ? `?${search}` : ''), headers: { host: HOST, ...req.headers, date, authorization: `AWS ${key.accessKeyId}:${signature}` }, body: req.body };
  }
  const presign = mutation === 'presigned' || mutation === 'presigned-extra-header';
  const signer = new SignatureV4({
    service: 's3',
    region: 'us-east-1',
    credentials: mutation === 'wrong-secret' ? { ...key, secretAccessKey: key.secretAccessKey + 'x' } : key,
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const payloadHash =
    mutation === 'wrong-payload-hash'
      ? sha256(Buffer.from('something else'))
      : presign
        ? 'UNSIGNED-PAYLOAD'
        : req.body.length > 0 && spoil.value.length % 2 === 0
          ? sha256(req.body)
          : 'UNSIGNED-PAYLOAD';
  const base = { method: req.method, protocol: 'http:', hostname: HOST, path: req.path, query: { ...req.query }, headers: { host: HOST, ...req.headers } as Record<string, string> };
  let headers: Record<string, string>;
  let query: Record<string, string>;
  if (mutation === 'unsigned' || mutation === 'garbage-auth') {
    headers = { ...base.headers, ...(mutation === 'garbage-auth' && { authorization: `AWS4-HMAC-SHA256 Credential=${spoil.value}, SignedHeaders=host, Signature=${spoil.name}` }) };
    query = base.query;
  } else if (presign) {
    const out = await signer.presign({ ...base, headers: { ...base.headers, 'X-Amz-Content-Sha256': payloadHash } }, { expiresIn: 300, unhoistableHeaders: new Set(Object.keys(req.headers)) });
    headers = out.headers as Record<string, string>;
    query = out.query as Record<string, string>;
  } else {
    const out = await signer.sign({ ...base, headers: { ...base.headers, 'x-amz-content-sha256': payloadHash } });
    headers = out.headers as Record<string, string>;
    query = base.query;
  }
  if (mutation === 'add-amz-header' || mutation === 'presigned-extra-header') headers[`x-amz-${spoil.name}`] = spoil.value;
  if (mutation === 'change-header') headers[Object.keys(req.headers)[0] ?? 'range'] = spoil.value;
  if (mutation === 'add-query') query = { ...query, [spoil.name || 'x']: spoil.value };
  const search = Object.entries(query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  return { url: req.path + (search ? `?${search}` : ''), headers, body: req.body };
}

/** What is wrong with an answer of the door, or undefined. */
function doorProblem(method: string, status: number, contentType: string | undefined, body: string): string | undefined {
  if (status >= 500 && status !== 501) return `a ${status} for a client's request`;
  if (status >= 400 && method !== 'HEAD') {
    if (!contentType?.startsWith('application/xml')) return `an error answer of type ${contentType}, not S3's XML`;
    const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
    if (!code || !/<Message>[^<]{5,}/.test(body) || !/<RequestId>/.test(body)) return 'an error document without Code, Message and RequestId';
    if (code === 'InternalError') return 'InternalError for a client request';
  }
  return undefined;
}

/** Sends `count` generated S3 requests (seeded) to the door and checks each answer. */
export async function fuzzDoor(app: FastifyInstance, ctx: FuzzContext, opts: { count: number; seed: number }): Promise<FuzzReport> {
  const mutation = fc.oneof(
    { weight: 5, arbitrary: fc.constant<Mutation>('none') },
    {
      weight: 3,
      arbitrary: fc.constantFrom<Mutation>(
        'sigv2',
        'add-amz-header',
        'add-query',
        'change-header',
        'wrong-payload-hash',
        'wrong-secret',
        'unsigned',
        'garbage-auth',
        'presigned',
        'presigned-extra-header',
      ),
    },
  );
  const spoil = fc.record({ name: fc.stringMatching(/^[a-z-]{0,12}$/), value: headerValue });
  const items = fc.sample(fc.tuple(doorRequest(ctx), fc.constantFrom(...ctx.tenants), mutation, spoil), { seed: opts.seed, numRuns: opts.count });
  const report = newReport();
  if (!app.s3door.server.listening) await app.s3door.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.s3door.server.address() as { port: number }).port}`;
  const agent = new Agent({ connections: 4 });
  await run(items, 4, async ([req, tenant, m, s]) => {
    const { url, headers, body } = await prepare(req, tenant.s3, m, s);
    // Over a real connection: a body refused half-way closes it, as only a socket can show.
    const res = await request(base + url, {
      method: req.method as 'GET',
      headers: { ...headers, 'content-length': String(body.length) },
      body: body.length > 0 ? body : undefined,
      dispatcher: agent,
    });
    const text = await res.body.text();
    const contentType = res.headers['content-type'] as string | undefined;
    report.requests++;
    report.byStatus[res.statusCode] = (report.byStatus[res.statusCode] ?? 0) + 1;
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
    if (code) report.byCode[code] = (report.byCode[code] ?? 0) + 1;
    const problem = doorProblem(req.method, res.statusCode, contentType, text);
    if (problem)
      report.findings.push({
        request: { operationId: `door ${m}`, method: req.method, url, headers, payload: body.subarray(0, 300).toString() },
        status: res.statusCode,
        problem,
        body: text.slice(0, 300),
      });
  });
  await agent.close();
  return finish(report);
}
