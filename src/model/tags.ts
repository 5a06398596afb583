import { errors } from '../errors.js';

/** An object's tags: at most 10, keys of 1-128 and values of 0-256 characters, as S3 allows them. */
export type Tags = Record<string, string>;

export const MAX_TAGS = 10;
const ALLOWED = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Refuses tags S3 refuses (InvalidTag): too many, a key or value too long, a character S3 does not allow. */
export function validateTags(tags: Tags): void {
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS) throw new errors.InvalidTag(`an object has at most ${MAX_TAGS} tags; got ${entries.length}`);
  for (const [key, value] of entries) {
    if (key.length < 1 || key.length > 128) throw new errors.InvalidTag(`a tag key has 1 to 128 characters; got ${key.length}`);
    if (value.length > 256) throw new errors.InvalidTag(`a tag value has at most 256 characters; '${key.slice(0, 40)}' has ${value.length}`);
    if (!ALLOWED.test(key) || !ALLOWED.test(value)) throw new errors.InvalidTag(`'${key.slice(0, 40)}': tags take letters, digits, spaces and _ . : / = + - @`);
  }
}

/** x-amz-tagging's form: `k1=v1&k2=v2`, URL-encoded. A key given twice is InvalidTag. */
export function parseTagHeader(value: string): Tags {
  const tags: Tags = {};
  for (const [k, v] of new URLSearchParams(value)) {
    if (k in tags) throw new errors.InvalidTag(`the tag key '${k.slice(0, 40)}' is given twice`);
    tags[k] = v;
  }
  validateTags(tags);
  return tags;
}

/** Tags as x-amz-tagging carries them (%20 for a space: RGW reads `+` as itself). */
export const tagHeader = (tags: Tags) =>
  Object.entries(tags)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
