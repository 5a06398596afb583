import { errors } from '../../errors.js';
import { S3Error } from '../errors.js';
import { readXml, type S3Call, sendXml } from '../request.js';
import { xmlDocument } from '../xml.js';

const CREATE_BUCKET = { root: 'CreateBucketConfiguration', maxBytes: 64 * 1024, maxElements: 64, repeated: {} };

export async function listBuckets({ services, reply, ctx }: S3Call) {
  const buckets = await services.buckets.list(ctx);
  return sendXml(reply, 'ListAllMyBucketsResult', {
    Owner: { ID: ctx.tenant.id, DisplayName: ctx.tenant.id },
    Buckets: { Bucket: buckets.map((b) => ({ Name: b.name, CreationDate: b.createdAt ?? new Date(0) })) },
  });
}

export async function getBucketLocation({ services, region, reply, ctx, bucket }: S3Call) {
  if (!(await services.buckets.exists(ctx, bucket))) throw new errors.BucketNotFound(bucket);
  return reply.type('application/xml').send(xmlDocument('LocationConstraint', region === 'us-east-1' ? '' : region));
}

/** Never enabled: the gateway keeps one version of each object, and says so as S3 does for such a bucket. */
export async function getBucketVersioning({ services, reply, ctx, bucket }: S3Call) {
  if (!(await services.buckets.exists(ctx, bucket))) throw new errors.BucketNotFound(bucket);
  return sendXml(reply, 'VersioningConfiguration', {});
}

export async function headBucket({ services, region, reply, ctx, bucket }: S3Call) {
  if (!(await services.buckets.exists(ctx, bucket))) throw new errors.BucketNotFound(bucket);
  return reply.header('x-amz-bucket-region', region).code(200).send();
}

export async function createBucket({ services, region, request, reply, ctx, bucket }: S3Call) {
  const conf = await readXml(request, reply, CREATE_BUCKET);
  if (conf) {
    const location = typeof conf.LocationConstraint === 'string' ? conf.LocationConstraint : '';
    if (location && location !== region && !(region === 'us-east-1' && location === 'US')) {
      throw new S3Error('IllegalLocationConstraintException', `The ${location} location constraint is incompatible for the region specific endpoint this request was sent to (${region}).`, 400);
    }
  }
  const outcome = await services.buckets.create(ctx, bucket);
  // us-east-1 answers a bucket its owner creates again with success, changing nothing (S3's legacy rule, and RGW's).
  if (outcome === 'exists' && region !== 'us-east-1')
    throw new S3Error('BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.', 409, { BucketName: bucket });
  return reply.header('location', `/${bucket}`).code(200).send();
}

export async function deleteBucket({ services, reply, ctx, bucket }: S3Call) {
  await services.buckets.delete(ctx, bucket, false);
  return reply.code(204).send();
}
