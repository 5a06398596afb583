import { errors } from '../errors.js';

/**
 * A write's preconditions, as S3 has them on PutObject and CompleteMultipartUpload (and REST and GraphQL
 * writes take them too): the write happens only if they hold when it is committed.
 */
export interface WritePrecondition {
  /** `*` (the key exists) or ETags, one of which the current object must have. */
  ifMatch?: string;
  /** `*` (the key is absent) or ETags, none of which the current object may have. */
  ifNoneMatch?: string;
}

/** If-Match / If-None-Match lists: `*`, or quoted (possibly weak) ETags separated by commas. */
export function etagMatches(header: string, etag: string): boolean {
  return header.split(',').some((t) => {
    const v = t.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
    return v === '*' || v === etag;
  });
}

/**
 * The precondition as a backend is sent it: one entity tag bare (`"abc"` → `abc`), since RGW compares
 * the header with its stored ETag byte for byte and S3 takes either; `*` and lists as they are.
 */
export function forBackend(p: WritePrecondition | undefined): WritePrecondition | undefined {
  if (!conditional(p)) return undefined;
  const bare = (v: string | undefined) => (v !== undefined && /^\s*(W\/)?"[^",]*"\s*$/.test(v) ? v.trim().replace(/^(W\/)?"|"$/g, '') : v);
  return { ifMatch: bare(p.ifMatch), ifNoneMatch: bare(p.ifNoneMatch) };
}

/** Whether a write's preconditions ask anything. */
export const conditional = (p: WritePrecondition | undefined): p is WritePrecondition => p?.ifMatch !== undefined || p?.ifNoneMatch !== undefined;

/**
 * Checks a write's preconditions against the object the key names now (its ETag, or undefined when
 * absent): If-Match on an absent key is NoSuchKey (S3's answer), any other failure PreconditionFailed.
 */
export function checkWrite(p: WritePrecondition | undefined, bucket: string, key: string, current: string | undefined): void {
  if (!p) return;
  if (p.ifMatch !== undefined) {
    if (current === undefined) throw new errors.ObjectNotFound(key, bucket);
    if (!etagMatches(p.ifMatch, current)) throw new errors.PreconditionFailed(`the object's ETag "${current}" does not match If-Match`);
  }
  if (p.ifNoneMatch !== undefined && current !== undefined && etagMatches(p.ifNoneMatch, current)) {
    throw new errors.PreconditionFailed(p.ifNoneMatch.trim() === '*' ? `object '${key}' already exists (If-None-Match: *)` : `the object's ETag "${current}" matches If-None-Match`);
  }
}
