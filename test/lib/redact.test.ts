import t from 'tap';
import { redactUrl } from '../../src/lib/redact.js';

t.test('every credential-bearing query parameter is redacted, however its name is spelled', async (t) => {
  const cases: [string, string][] = [
    [
      '/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=S3GABC%2F20261206%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261206T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=abc',
      '/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=[redacted]&X-Amz-Date=20261206T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=[redacted]',
    ],
    ['/b/k?X-Amz-Security-Token=sess&x-id=GetObject', '/b/k?X-Amz-Security-Token=[redacted]&x-id=GetObject'],
    ['/b/k?AWSAccessKeyId=AKIA&Signature=sig%3D&Expires=1', '/b/k?AWSAccessKeyId=[redacted]&Signature=[redacted]&Expires=1'],
    ['/v1/presigned/b/k?tenant=t&method=GET&expires=1&signature=s', '/v1/presigned/b/k?tenant=t&method=GET&expires=1&signature=[redacted]'],
    ['/v1/uploads/0123?tenant=t&method=TUS&bucket=b&key=k&nonce=n&signature=s', '/v1/uploads/0123?tenant=t&method=TUS&bucket=b&key=k&nonce=n&signature=[redacted]'],
    ['/console?token=abc', '/console?token=[redacted]'],
    ['/b/k?X%2DAmz%2DSignature=abc&x-amz-signature=def', '/b/k?X%2DAmz%2DSignature=[redacted]&x-amz-signature=[redacted]'],
    ['/b/k?Signature', '/b/k?Signature=[redacted]'],
    ['/ingest/s3/ing_secret?token=x', '/ingest/s3/[redacted]?token=[redacted]'],
    ['/b/k?prefix=a&%E0%A4%A=1', '/b/k?prefix=a&%E0%A4%A=1'],
    ['/v1/buckets/b/objects?prefix=signature=x&limit=5', '/v1/buckets/b/objects?prefix=signature=x&limit=5'],
  ];
  for (const [url, want] of cases) t.equal(redactUrl(url), want, url.slice(0, 60));
});
