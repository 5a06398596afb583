// The signed hot path's signer against @smithy/signature-v4's own: the same Authorization for the same
// request, with or without a session token, a query or odd header values, across a day's change and a
// change of credentials (the tenant's cached signing key must follow both). RGW checks real requests.
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import t from 'tap';
import { RequestSigner } from '../../src/s3/request-signer.js';
import { Sha256 } from '../../src/s3/sha256.js';

const UNSIGNED = 'UNSIGNED-PAYLOAD';

async function smithy(creds: AwsCredentialIdentity, region: string, req: { method: string; path: string; query: Record<string, string>; headers: Record<string, string> }, date: Date) {
  const signer = new SignatureV4({ service: 's3', region, credentials: creds, sha256: Sha256, uriEscapePath: false });
  const signed = await signer.sign({ ...req, protocol: 'http:', hostname: 'h' }, { signingDate: date });
  return signed.headers as Record<string, string>;
}

t.test('signs as SignatureV4 does', async (t) => {
  const creds = { accessKeyId: 'AKID', secretAccessKey: 'secret/+=' };
  const signer = new RequestSigner('eu-west-3', async () => creds);
  const date = new Date('2026-12-06T20:00:00Z');
  const cases: { method: string; path: string; query: Record<string, string>; headers: Record<string, string> }[] = [
    { method: 'GET', path: '/b/k%20ey/x', query: {}, headers: { host: 'h:7480', 'x-amz-content-sha256': UNSIGNED } },
    {
      method: 'PUT',
      path: '/b/k',
      query: { partNumber: '3', uploadId: 'a b+c' },
      headers: { host: 'h', 'x-amz-content-sha256': UNSIGNED, 'content-type': '  text/plain;  x=1 ', 'x-amz-meta-a': 'é', 'user-agent': 'not signed' },
    },
    { method: 'DELETE', path: '/b', query: { notification: '' }, headers: { host: 'h', 'x-amz-content-sha256': UNSIGNED, 'if-match': '"e"' } },
  ];
  for (const req of cases) {
    const ours = await signer.sign({ ...req, payloadHash: UNSIGNED }, date);
    const theirs = await smithy(creds, 'eu-west-3', req, date);
    t.equal(ours.authorization, theirs.authorization, `${req.method} ${req.path}`);
    t.equal(ours['x-amz-date'], theirs['x-amz-date']);
  }
});

t.test('a session token is sent and signed', async (t) => {
  const creds = { accessKeyId: 'ASIA', secretAccessKey: 's', sessionToken: 'tok' };
  const req = { method: 'GET', path: '/b/k', query: {}, headers: { host: 'h', 'x-amz-content-sha256': UNSIGNED } };
  const date = new Date('2026-12-06T20:00:00Z');
  const ours = await new RequestSigner('us-east-1', async () => creds).sign({ ...req, payloadHash: UNSIGNED }, date);
  t.equal(ours['x-amz-security-token'], 'tok');
  t.match(ours.authorization, /SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,/);
  t.equal(ours.authorization, (await smithy(creds, 'us-east-1', req, date)).authorization);
});

t.test('the cached key follows the day and the credentials', async (t) => {
  let creds: AwsCredentialIdentity = { accessKeyId: 'A', secretAccessKey: 'one' };
  const signer = new RequestSigner('us-east-1', async () => creds);
  const req = { method: 'GET', path: '/b/k', query: {}, headers: { host: 'h', 'x-amz-content-sha256': UNSIGNED } };
  for (const [when, next] of [
    ['2026-12-06T23:59:59Z', undefined],
    ['2026-12-07T00:00:01Z', undefined],
    ['2026-12-07T00:00:02Z', { accessKeyId: 'A', secretAccessKey: 'two' }],
    ['2026-12-07T00:00:03Z', { accessKeyId: 'A', secretAccessKey: 'two', sessionToken: 't' }],
  ] as const) {
    if (next) creds = next;
    const date = new Date(when);
    t.equal((await signer.sign({ ...req, payloadHash: UNSIGNED }, date)).authorization, (await smithy(creds, 'us-east-1', req, date)).authorization, when);
  }
});

t.test('headers that signing makes are not passed on', async (t) => {
  const signer = new RequestSigner('us-east-1', async () => ({ accessKeyId: 'A', secretAccessKey: 'B' }));
  const out = await signer.sign({ method: 'GET', path: '/b/k', query: {}, headers: { host: 'h', 'x-amz-content-sha256': UNSIGNED, authorization: 'forged', date: 'x' }, payloadHash: UNSIGNED });
  t.not(out.authorization, 'forged');
  t.equal(out.date, undefined);
});
