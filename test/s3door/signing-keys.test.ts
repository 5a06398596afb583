import { createHash } from 'node:crypto';
import t from 'tap';
import { authenticateV4 } from '../../src/door/protocol/sigv4.js';
import { signed } from '../helpers/door.js';

// The door keeps each access key's SigV4 signing key (four HMACs to derive) between requests. These check
// that a kept key never verifies what its own derivation would not: another secret, another day.

const EMPTY = createHash('sha256').update('').digest('hex');
const URL_ = 'http://127.0.0.1:9';
const ID = 'S3GAAAAAAAAAAAAAAAKQ';

async function request(secret: string, date: Date) {
  const s = await signed(URL_, { accessKeyId: ID, secretAccessKey: secret }, { method: 'GET', path: '/b', payloadHash: EMPTY, date });
  return { req: { method: 'GET', rawPath: '/b', query: {}, rawQuery: '', headers: s.headers }, signature: s.signature };
}

const verify = (req: Awaited<ReturnType<typeof request>>['req'], secret: string, now: Date) =>
  authenticateV4(req, { region: 'us-east-1', now: now.getTime(), lookup: async (id) => (id === ID ? { tenantId: 't', secretAccessKey: secret } : undefined) });

/** The S3 code a verification was refused with, or 'accepted'. */
const outcome = (p: Promise<unknown>) =>
  p.then(
    () => 'accepted',
    (err: { s3Code?: string; status?: number }) => `${err.status} ${err.s3Code}`,
  );

t.test('a kept signing key serves only the secret it was derived from', async (t) => {
  const now = new Date();
  const a = 'a'.repeat(40);
  const b = 'b'.repeat(40);
  t.equal((await verify((await request(a, now)).req, a, now)).tenantId, 't', 'signed with the stored secret: accepted (and its key kept)');
  // The store now holds another secret for the same id: the kept key must not verify the old secret's signatures.
  t.equal(await outcome(verify((await request(a, now)).req, b, now)), '403 SignatureDoesNotMatch');
  t.equal((await verify((await request(b, now)).req, b, now)).tenantId, 't', "the new secret's signature is accepted");
  t.equal(await outcome(verify((await request(a, now)).req, b, now)), '403 SignatureDoesNotMatch', 'and the old one still refused');
});

t.test("a kept signing key serves only its day: a request after midnight verifies with the new day's key", async (t) => {
  const secret = 'c'.repeat(40);
  const before = new Date('2026-03-01T23:59:30Z');
  const after = new Date('2026-03-02T00:00:30Z');
  t.equal((await verify((await request(secret, before)).req, secret, before)).tenantId, 't');
  t.equal((await verify((await request(secret, after)).req, secret, after)).tenantId, 't', "the next day's signature is accepted");
  // A signature made with the previous day's key but dated after midnight is not the next day's.
  const late = await request(secret, after);
  const forged = {
    ...late.req,
    headers: { ...late.req.headers, authorization: late.req.headers.authorization.replace(/Signature=[0-9a-f]{64}/, `Signature=${(await request(secret, before)).signature}`) },
  };
  t.equal(await outcome(verify(forged, secret, after)), '403 SignatureDoesNotMatch');
});

t.test('the chunk chain signs with the verified key', async (t) => {
  const secret = 'd'.repeat(40);
  const now = new Date();
  const { req, signature } = await request(secret, now);
  const auth = await verify(req, secret, now);
  const { signer, longDate, scope } = await signed(URL_, { accessKeyId: ID, secretAccessKey: secret }, { method: 'GET', path: '/b', payloadHash: EMPTY, date: now });
  const stringToSign = ['AWS4-HMAC-SHA256-PAYLOAD', longDate, scope, signature, EMPTY, EMPTY].join('\n');
  t.equal(await auth.chain.sign(stringToSign), await signer.sign(stringToSign, { signingDate: now }), "the chain's signature is the SDK's");
});
