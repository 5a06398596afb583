/**
 * A request URL without the credentials some carry: a presigned URL's signature (the API's
 * `signature`, S3's `X-Amz-Signature`) and the ingest token in /ingest/s3/<token>. What is logged and
 * what goes into traces passes through here.
 */
export function redactUrl(url: string): string {
  if (!url.startsWith('/ingest/') && !/signature=/i.test(url)) return url;
  return url.replace(/([?&](?:x-amz-)?signature=)[^&]*/gi, '$1[redacted]').replace(/^\/ingest\/s3\/[^/?]+/, '/ingest/s3/[redacted]');
}
