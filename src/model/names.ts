import { errors } from '../errors.js';
import { CONTENT_HEADERS, type ContentHeaders } from './object-store.js';
import { isHeaderValue } from '../lib/media-type.js';

/** S3's bucket naming rules (general purpose buckets), checked before any S3 call. */
export function validateBucketName(name: string): void {
  const fail = (why: string) => {
    throw new errors.InvalidBucketName(name, why);
  };
  if (name.length < 3 || name.length > 63) fail('it must be 3 to 63 characters long');
  if (!/^[a-z0-9.-]+$/.test(name)) fail('only lower-case letters, digits, dots and hyphens are allowed');
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) fail('it must begin and end with a letter or digit');
  if (name.includes('..')) fail('two adjacent dots are not allowed');
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) fail('it must not look like an IP address');
  if (name.startsWith('xn--') || name.startsWith('sthree-')) fail("it must not begin with 'xn--' or 'sthree-'");
  if (name.endsWith('-s3alias') || name.endsWith('--ol-s3')) fail("it must not end with '-s3alias' or '--ol-s3'");
}

/** Any UTF-8 key of 1 to 1024 bytes without control characters (they cannot travel in S3's XML). */
export function validateKey(key: string): void {
  if (key.length === 0) throw new errors.InvalidKey('it is empty');
  if (!key.isWellFormed()) throw new errors.InvalidKey('it is not valid UTF-8');
  const bytes = Buffer.byteLength(key, 'utf8');
  if (bytes > 1024) throw new errors.InvalidKey(`it is ${bytes} bytes of UTF-8; at most 1024 are allowed`);
  if (/[\u0000-\u001f\u007f]/.test(key)) throw new errors.InvalidKey('it contains a control character');
}

const META_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;

/** User metadata as S3 allows it over HTTP headers: token names, printable ASCII values, 2 KB in all. */
export function validateMetadata(meta: Record<string, string>): void {
  let size = 0;
  for (const [name, value] of Object.entries(meta)) {
    if (!META_NAME.test(name)) throw new errors.InvalidMetadata(`name '${name}' must be a lower-case HTTP token`);
    if (!/^[\x20-\x7e]*$/.test(value)) throw new errors.InvalidMetadata(`value of '${name}' must be printable ASCII (encode other text, e.g. as base64 or percent-encoding)`);
    size += name.length + value.length;
  }
  if (size > 2048) throw new errors.InvalidMetadata(`${size} bytes of names and values; S3 allows 2048`);
}

/**
 * A Content-Type to store with an object. S3 stores any string (`x`, `text/`, `image/x"`) and so does
 * the gateway, but it must be a value HTTP can carry back on every read: no control characters and no
 * character above U+00FF (tus metadata and GraphQL strings can hold both), 1 KiB at most.
 */
export function validateContentType(value: string | undefined): void {
  if (value === undefined) return;
  if (!isHeaderValue(value)) throw new errors.Validation('Content-Type must be a valid HTTP header value: no control characters (CR, LF, NUL) and no character above U+00FF');
  if (value.length > 1024) throw new errors.Validation('Content-Type is longer than 1024 characters');
}

/** Content headers to store with an object: printable ASCII (as HTTP carries them), 1 KiB each at most. */
export function validateContentHeaders(h: ContentHeaders | undefined): void {
  for (const [field, value] of Object.entries(h ?? {})) {
    if (value === undefined) continue;
    if (!/^[\x20-\x7e\t]*$/.test(value)) throw new errors.Validation(`${CONTENT_HEADERS[field as keyof ContentHeaders]} must be printable ASCII`);
    if (value.length > 1024) throw new errors.Validation(`${CONTENT_HEADERS[field as keyof ContentHeaders]} is longer than 1024 characters`);
  }
}

/**
 * A time given by a client, as an ISO string. The schema's date-time format lets through what Date
 * cannot hold (a leap second 23:59:60, year 275760+): those are a client's mistake, not a RangeError.
 */
export function isoTime(value: string, name: string): string {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new errors.Validation(`${name} '${value}' is not a time this API can use; send an ISO 8601 date-time such as 2026-11-25T15:00:00Z`);
  return d.toISOString();
}
