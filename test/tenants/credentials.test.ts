import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { randomBytes } from 'node:crypto';
import t from 'tap';
import type tap from 'tap';
import { admin, bearer, createTenant, testApp } from '../helpers/app.js';
import { rgwEndpoint, rgwUser, uniqueBucket, type RgwUser } from '../helpers/rgw.js';

const endpoint = () => rgwEndpoint();

/** A role on RGW that `user` may assume, allowed everything on S3. */
async function rgwRole(user: RgwUser): Promise<string> {
  const iam = new IAMClient({ endpoint: endpoint(), region: 'us-east-1', credentials: { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey } });
  const name = `s3gate-${randomBytes(4).toString('hex')}`;
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: [`arn:aws:iam:::user/${user.uid}`] }, Action: ['sts:AssumeRole'] }] };
  const out = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }));
  const policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:*'], Resource: 'arn:aws:s3:::*' }] };
  await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'all', PolicyDocument: JSON.stringify(policy) }));
  iam.destroy();
  return out.Role!.Arn!;
}

async function roundTrip(t: Pick<typeof tap, 'equal'>, app: Awaited<ReturnType<typeof testApp>>, apiKey: string) {
  const bucket = uniqueBucket('cred');
  const h = bearer(apiKey);
  t.equal((await app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}`, headers: h })).statusCode, 201, 'creates a bucket');
  t.equal((await app.inject({ method: 'PUT', url: `/v1/buckets/${bucket}/objects/k`, headers: h, payload: 'hello' })).statusCode, 201, 'stores an object');
  t.equal((await app.inject({ method: 'GET', url: `/v1/buckets/${bucket}/objects/k`, headers: h })).body, 'hello', 'reads it back');
  return bucket;
}

t.test('credential sources', async (t) => {
  const logs: string[] = [];
  const app = await testApp(t, {
    logStream: { write: (l) => void logs.push(l) },
    // Temporary credentials (900 s; STS states expiry to the second) are due for refresh 1 to 2 s after they are issued.
    env: { S3GATE_CREDENTIALS_REFRESH_BEFORE_MS: String(898_000) },
  });
  const user = rgwUser('cred');
  const secrets = [user.secretAccessKey];

  t.test('static, given as credentials { type: static }, with secrets never shown', async (t) => {
    const res = await app.inject({
      method: 'POST',
      url: '/admin/tenants',
      headers: admin,
      payload: { id: 'static1', s3: { endpoint: endpoint(), credentials: { type: 'static', accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey } } },
    });
    t.equal(res.statusCode, 201);
    t.same(res.json().s3.credentials, { type: 'static', accessKeyId: user.accessKeyId });
    await roundTrip(t, app, res.json().apiKey);
  });

  t.test("?verify=true refuses settings that do not work with 422 and S3's answer, saving nothing", async (t) => {
    const bad = await app.inject({
      method: 'POST',
      url: '/admin/tenants?verify=true',
      headers: admin,
      payload: { id: 'verify1', s3: { endpoint: endpoint(), accessKeyId: user.accessKeyId, secretAccessKey: 'wrong-secret' } },
    });
    t.equal(bad.statusCode, 422);
    // RGW answers AccessDenied where AWS says SignatureDoesNotMatch: either way, S3's own code.
    t.match(bad.json(), { code: 'S3GATE_TENANT_VERIFICATION_FAILED', upstream: { code: /^(SignatureDoesNotMatch|AccessDenied)$/, status: 403 } });
    t.equal((await app.inject({ method: 'GET', url: '/admin/tenants/verify1', headers: admin })).statusCode, 404, 'nothing was created');
    const unknown = await app.inject({
      method: 'POST',
      url: '/admin/tenants?verify=true',
      headers: admin,
      payload: { id: 'verify1', s3: { endpoint: endpoint(), accessKeyId: 'AKNOSUCHKEY', secretAccessKey: 'x' } },
    });
    t.match(unknown.json(), { statusCode: 422, upstream: { code: /^(InvalidAccessKeyId|AccessDenied)$/ } });
    const good = await app.inject({
      method: 'POST',
      url: '/admin/tenants?verify=true',
      headers: admin,
      payload: { id: 'verify1', s3: { endpoint: endpoint(), accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey } },
    });
    t.equal(good.statusCode, 201);
    const patch = await app.inject({ method: 'PATCH', url: '/admin/tenants/verify1?verify=true', headers: admin, payload: { s3: { secretAccessKey: 'wrong-again' } } });
    t.equal(patch.statusCode, 422);
    t.equal((await app.inject({ method: 'GET', url: '/admin/tenants/verify1', headers: admin })).json().version, 1, 'the PATCH was not applied');
    await roundTrip(t, app, good.json().apiKey);
  });

  t.test('default is refused unless the operator allows it', async (t) => {
    const res = await app.inject({ method: 'POST', url: '/admin/tenants', headers: admin, payload: { id: 'dflt', s3: { endpoint: endpoint(), credentials: { type: 'default' } } } });
    t.equal(res.statusCode, 400);
    t.match(res.json(), { code: 'S3GATE_INVALID_TENANT', message: /S3GATE_ALLOW_DEFAULT_CREDENTIALS=true/ });
    const viaRole = await app.inject({
      method: 'POST',
      url: '/admin/tenants',
      headers: admin,
      payload: { id: 'dflt', s3: { endpoint: endpoint(), credentials: { type: 'assumeRole', roleArn: 'arn:aws:iam:::role/x', source: 'default' } } },
    });
    t.equal(viaRole.statusCode, 400, 'also as the source of an assumed role');
  });

  t.test('assumeRole: temporary credentials from RGW STS, refreshed one at a time while requests go on', async (t) => {
    const roleArn = await rgwRole(user);
    const key = await createTenant(app, {
      id: 'role1',
      s3: {
        endpoint: endpoint(),
        credentials: { type: 'assumeRole', roleArn, durationSeconds: 900, externalId: 'ext-secret-1', source: { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey } },
      },
    });
    secrets.push('ext-secret-1');
    const shown = (await app.inject({ method: 'GET', url: '/admin/tenants/role1', headers: admin })).json();
    t.same(shown.s3.credentials, { type: 'assumeRole', roleArn, durationSeconds: 900, externalId: true, source: { accessKeyId: user.accessKeyId } });
    const bucket = await roundTrip(t, app, key);
    // For 5 s, 8 requests at a time: every request succeeds while the credentials are replaced.
    const end = Date.now() + 5000;
    const statuses = new Map<number, number>();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (Date.now() < end) {
          const res = await app.inject({ method: 'GET', url: `/v1/buckets/${bucket}/objects/k`, headers: bearer(key) });
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        }
      }),
    );
    t.same([...statuses.keys()], [200], `every request succeeded (${statuses.get(200)} of them)`);
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const refreshes = Number(/s3gate_credential_refreshes_total\{tenant="role1",outcome="ok"\} (\d+)/.exec(metrics)?.[1] ?? 0);
    // The first fetch, then one refresh every 1 to 2 s: 3 to 7 in all, never one per request.
    t.ok(refreshes >= 3, `credentials were fetched ${refreshes} times`);
    t.ok(refreshes <= 8, `not once per request (${statuses.get(200)} requests)`);
    t.notMatch(metrics, /s3gate_credential_refreshes_total\{tenant="role1",outcome="error"\}/, 'no refresh failed');
  });

  t.test('assumeRole of a role the user may not assume: verify says what STS answered', async (t) => {
    const res = await app.inject({
      method: 'POST',
      url: '/admin/tenants?verify=true',
      headers: admin,
      payload: {
        id: 'role2',
        s3: { endpoint: endpoint(), credentials: { type: 'assumeRole', roleArn: 'arn:aws:iam:::role/nosuchrole', source: { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey } } },
      },
    });
    t.equal(res.statusCode, 422);
    t.match(res.json(), { code: 'S3GATE_TENANT_VERIFICATION_FAILED', upstream: { status: Number } });
    t.notMatch(res.json().upstream.code, /^S3GATE_/, "the code is STS's own");
  });

  t.test('no secret reached a response or a log line', async (t) => {
    const all = (await app.inject({ method: 'GET', url: '/admin/tenants', headers: admin })).body + logs.join('\n');
    for (const s of secrets) t.notOk(all.includes(s), 'secret absent');
  });
});

t.test('default credentials, once the operator allows them, come from the process environment', async (t) => {
  const user = rgwUser('dflt');
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  process.env.AWS_ACCESS_KEY_ID = user.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = user.secretAccessKey;
  t.teardown(() => {
    process.env.AWS_ACCESS_KEY_ID = saved.id;
    process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
  });
  const app = await testApp(t, { env: { S3GATE_ALLOW_DEFAULT_CREDENTIALS: 'true' } });
  const res = await app.inject({ method: 'POST', url: '/admin/tenants?verify=true', headers: admin, payload: { id: 'dflt', s3: { endpoint: endpoint(), credentials: { type: 'default' } } } });
  t.equal(res.statusCode, 201);
  t.same(res.json().s3.credentials, { type: 'default' });
  await roundTrip(t, app, res.json().apiKey);
});
