import { s3 } from '../errors.js';
import { readXml, sendXml, type S3Call } from '../request.js';
import { parseXmlStream } from '../xml.js';
import type { Tags } from '../../model/tags.js';

/** S3's Tagging document: at most 10 Tags of a Key and a Value (bounded well above, for the parser). */
export const TAGGING = { root: 'Tagging', maxBytes: 64 * 1024, maxElements: 256, repeated: { Tag: 50 } };

/** The tags of a Tagging document (<Tagging><TagSet><Tag><Key/><Value/></Tag>…</TagSet></Tagging>). */
export function tagsOf(doc: Record<string, unknown> | undefined): Tags {
  if (!doc) throw s3.malformedXml();
  const set = doc.TagSet;
  const list = typeof set === 'object' && set !== null ? (set as Record<string, unknown>).Tag : undefined;
  const tags: Tags = {};
  for (const t of Array.isArray(list) ? (list as Record<string, unknown>[]) : list ? [list as Record<string, unknown>] : []) {
    if (typeof t?.Key !== 'string') throw s3.malformedXml();
    if (t.Key in tags) throw s3.invalidArgument(`Cannot provide multiple Tags with the same key: ${t.Key.slice(0, 100)}`, 'Tagging');
    tags[t.Key] = typeof t.Value === 'string' ? t.Value : '';
  }
  return tags;
}

/** A Tagging document given as text (a POST form's `tagging` field). */
export async function tagsOfText(xml: string): Promise<Tags> {
  return tagsOf(await parseXmlStream([Buffer.from(xml, 'utf8')], { ...TAGGING, repeated: { ...TAGGING.repeated } }));
}

export async function getObjectTagging({ services, reply, ctx, bucket, key }: S3Call) {
  const tags = await services.objects.getTags(ctx, bucket, key);
  return sendXml(reply, 'Tagging', { TagSet: { Tag: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) } });
}

export async function putObjectTagging({ services, request, reply, ctx, bucket, key }: S3Call) {
  await services.objects.putTags(ctx, bucket, key, tagsOf(await readXml(request, reply, TAGGING)));
  return reply.code(200).send();
}

export async function deleteObjectTagging({ services, reply, ctx, bucket, key }: S3Call) {
  await services.objects.putTags(ctx, bucket, key, {});
  return reply.code(204).send();
}
