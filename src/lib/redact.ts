/**
 * Query parameters that carry a credential, by lower-case name: presigned S3 URLs (SigV4's signature,
 * credential scope with the access key id and session token; SigV2's), the gateway's own presigned
 * and tus URLs (`signature`), and any `token`.
 */
const SECRET_PARAMS = new Set(['x-amz-signature', 'x-amz-credential', 'x-amz-security-token', 'signature', 'awsaccesskeyid', 'token']);

/**
 * A request URL without the credentials some carry: the value of every credential-bearing query
 * parameter (SECRET_PARAMS, its name matched as the door decodes it: `X%2DAmz-Signature` is one too),
 * and the ingest token in /ingest/s3/<token>. What is logged and what goes into traces passes here.
 */
export function redactUrl(url: string): string {
  const path = url.startsWith('/ingest/') ? url.replace(/^\/ingest\/s3\/[^/?]+/, '/ingest/s3/[redacted]') : url;
  const q = path.indexOf('?');
  if (q < 0) return path;
  const pairs = path
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const at = pair.indexOf('=');
      const raw = at < 0 ? pair : pair.slice(0, at);
      let name = raw;
      try {
        name = decodeURIComponent(raw.replace(/\+/g, ' '));
      } catch {
        // not valid percent-encoding: compared as it is
      }
      return SECRET_PARAMS.has(name.toLowerCase()) ? `${raw}=[redacted]` : pair;
    });
  return `${path.slice(0, q + 1)}${pairs.join('&')}`;
}
