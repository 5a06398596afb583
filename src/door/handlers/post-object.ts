import { Transform, type Readable } from 'node:stream';
import { Busboy, type BusboyConfig, type BusboyInstance } from '@fastify/busboy';
import type { FastifyRequest } from 'fastify';
import { CONTENT_HEADERS, type ContentHeaders } from '../../model/object-store.js';
import { S3Error, s3 } from '../errors.js';
import { checkFields, credentialsOf, parsePolicy } from '../protocol/post-policy.js';
import { tagsOfText } from './tagging.js';
import { etagOf, header, META, sendXml, type S3Call } from '../request.js';

const FILENAME = '$' + '{filename}';

/** What a form POST needs of the door before it knows the tenant: the key's secret, and admitting its tenant. */
export interface PostAuth {
  lookup(accessKeyId: string): Promise<{ tenantId: string; secretAccessKey: string } | undefined>;
  admit(tenantId: string): Promise<void>;
}

/** A POST to a bucket that is a browser form upload: multipart/form-data, signed by its policy, not by headers. */
export function isFormPost(request: FastifyRequest, hasKey: boolean): boolean {
  return request.method === 'POST' && !hasKey && /^multipart\/form-data/i.test(header(request, 'content-type') ?? '') && header(request, 'authorization') === undefined;
}

/** The most bytes of fields before the file, as S3 allows (MaxPostPreDataLengthExceeded): the form is read unauthenticated. */
const MAX_PRE_DATA = 20 * 1024;

interface Form {
  fields: Map<string, string>;
  file: Readable;
  filename: string;
}

/** Reads the form up to its file (fields after it are ignored, as S3 does); the file is left to stream. */
function readForm(request: FastifyRequest): Promise<Form> {
  return new Promise((resolve, reject) => {
    let parser: BusboyInstance;
    try {
      // Only the part named `file` is the file (requests and other clients give every part a filename).
      parser = Busboy({
        headers: request.headers as BusboyConfig['headers'],
        isPartAFile: (name) => name?.toLowerCase() === 'file',
        limits: { fields: 100, fieldSize: MAX_PRE_DATA, files: 1, parts: 200, headerPairs: 100 },
      });
    } catch (err) {
      return reject(new S3Error('MalformedPOSTRequest', `The body of your POST request is not well-formed multipart/form-data: ${(err as Error).message}`, 400));
    }
    const fields = new Map<string, string>();
    let got = false;
    let bytes = 0;
    parser.on('field', (name: string, value: string, nameTruncated: boolean, valueTruncated: boolean) => {
      if (got) return;
      bytes += name.length + value.length;
      if (nameTruncated || valueTruncated || bytes > MAX_PRE_DATA) {
        request.raw.unpipe(parser);
        return reject(new S3Error('MaxPostPreDataLengthExceededError', `Your POST request fields preceding the upload file were too large: at most ${MAX_PRE_DATA} bytes`, 400));
      }
      if (!fields.has(name.toLowerCase())) fields.set(name.toLowerCase(), value);
    });
    parser.on('file', (_name: string, file: Readable, filename: string) => {
      if (got) return void file.resume();
      got = true;
      resolve({ fields, file, filename: filename ?? '' });
    });
    parser.on('error', (err: Error) => reject(new S3Error('MalformedPOSTRequest', `The body of your POST request is not well-formed multipart/form-data: ${err.message}`, 400)));
    parser.on('finish', () => {
      if (!got) reject(s3.invalidArgument('POST requires exactly one file upload per request.', 'file'));
    });
    request.raw.pipe(parser);
  });
}

/** Holds the file to the policy's content-length-range: over it fails as it streams, under it before the object is committed. */
function lengthRange(range: { min: number; max: number } | undefined): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (range && bytes > range.max) cb(new S3Error('EntityTooLarge', `Your proposed upload exceeds the maximum allowed size (${range.max} bytes)`, 400, { MaxSizeAllowed: String(range.max) }));
      else cb(null, chunk);
    },
    flush(cb) {
      if (range && bytes < range.min)
        cb(new S3Error('EntityTooSmall', `Your proposed upload is smaller than the minimum allowed size (${range.min} bytes)`, 400, { MinSizeAllowed: String(range.min) }));
      else cb();
    },
  });
}

/**
 * POST Object: an HTML form (or boto3's generate_presigned_post) uploads one file, authorised by a policy
 * document signed with a tenant's S3 key (SigV4 or SigV2 fields), through the same limits, upload slots
 * and events as any write; the event is s3:ObjectCreated:Post. A file outside the policy stores nothing.
 */
export async function postObject(call: S3Call, auth: PostAuth) {
  let form: Form | undefined;
  try {
    form = await readForm(call.request);
    return await store(call, auth, form);
  } catch (err) {
    // A refused form is not read further: the connection closes after the answer.
    call.reply.header('connection', 'close');
    form?.file.resume();
    throw err;
  }
}

async function store({ services, region, request, reply, bucket }: S3Call, auth: PostAuth, form: Form) {
  const { fields } = form;
  const policy = fields.get('policy');
  const credentials = credentialsOf(fields, policy ?? '', region);
  if (!credentials) throw s3.accessDenied('Anonymous POST uploads are not served: sign a policy with an S3 key of your tenant (AWSAccessKeyId and signature, or x-amz-credential and x-amz-signature)');
  if (!policy) throw s3.invalidArgument("Bucket POST must contain a field named 'policy' beside the signature", 'policy');
  const rawKey = fields.get('key');
  if (rawKey === undefined) throw s3.invalidArgument("Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.", 'key');
  // S3's placeholder for the file's own name (a literal `${filename}`, not a template).
  const key = rawKey.replaceAll(FILENAME, form.filename);
  const found = await auth.lookup(credentials.accessKeyId);
  if (!found) throw new S3Error('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.', 403);
  if (!credentials.verify(found.secretAccessKey)) throw s3.signatureMismatch();
  await auth.admit(found.tenantId);
  const range = checkFields(parsePolicy(policy), new Map([...fields, ['bucket', bucket], ['key', key]]));
  const acl = fields.get('acl');
  if (acl !== undefined && acl !== 'private') throw s3.notImplemented(`The canned ACL '${acl.slice(0, 40)}' on a POST upload (only private)`);
  const tagging = fields.get('tagging');
  const tags = tagging === undefined ? undefined : await tagsOfText(tagging);
  const metadata: Record<string, string> = {};
  for (const [name, value] of fields) if (name.startsWith(META) && name.length > META.length) metadata[name.slice(META.length)] = value;
  let headers: ContentHeaders | undefined;
  for (const [field, name] of Object.entries(CONTENT_HEADERS) as [keyof ContentHeaders, string][]) {
    const value = fields.get(name);
    if (value) (headers ??= {})[field] = value;
  }
  const body = form.file.pipe(lengthRange(range));
  form.file.once('error', (err) => body.destroy(err));
  const stored = await services.objects.put(request.ctx, bucket, key, {
    body,
    contentType: fields.get('content-type') || undefined,
    metadata,
    headers,
    tags,
    eventType: 's3:ObjectCreated:Post',
  });
  const location = `/${bucket}/${encodeURIComponent(key).replace(/%2F/g, '/')}`;
  reply.header('etag', etagOf(stored.etag)).header('location', location);
  const redirect = fields.get('success_action_redirect') ?? fields.get('redirect');
  if (redirect && /^https?:\/\//i.test(redirect)) {
    const to = new URL(redirect);
    to.searchParams.set('bucket', bucket);
    to.searchParams.set('key', key);
    to.searchParams.set('etag', etagOf(stored.etag));
    return reply.redirect(to.toString(), 303);
  }
  const status = fields.get('success_action_status');
  if (status === '201') return sendXml(reply, 'PostResponse', { Location: location, Bucket: bucket, Key: key, ETag: etagOf(stored.etag) }, 201);
  return reply.code(status === '200' ? 200 : 204).send();
}
