import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { ADMIN_TOKEN, createTenant, listen, tempDir, testApp } from '../helpers/app.js';
import { receiver } from '../helpers/receiver.js';
import { rgwSettings, rgwUser, uniqueBucket } from '../helpers/rgw.js';
import { freePort, until } from '../helpers/stall.js';

const bin = fileURLToPath(new URL('../../bin/s3gate.js', import.meta.url));
const MiB = 1024 * 1024;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

t.test('npx s3gate against a running gateway on RGW: every command, JSON, exit codes', async (t) => {
  const app = await testApp(t, { env: { S3GATE_WEBHOOK_ALLOW_PRIVATE: 'true', S3GATE_WEBHOOK_POLL_MS: '50' } });
  const url = await listen(app);
  const home = tempDir(t);
  const apiKey = await createTenant(app, { id: 'cli', s3: rgwSettings(rgwUser('cli')) });
  const baseEnv = { PATH: process.env.PATH, HOME: home, S3GATE_URL: url };
  const s3gate = (args: string[], env: Record<string, string | undefined> = {}, stdin?: Buffer): Promise<Run> =>
    new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        [bin, ...args],
        { env: { ...baseEnv, S3GATE_API_KEY: apiKey, ...env }, encoding: 'buffer', maxBuffer: 256 * MiB, timeout: 180_000 },
        (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout: stdout.toString(), stderr: stderr.toString() }),
      );
      if (stdin) child.stdin!.end(stdin);
      else child.stdin!.end();
    });
  const json = async <T = any>(args: string[], env: Record<string, string | undefined> = {}): Promise<T> => {
    const r = await s3gate([...args, '--json'], env);
    if (r.code !== 0) throw new Error(`s3gate ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };
  const admin = { S3GATE_ADMIN_TOKEN: ADMIN_TOKEN };
  const bucket = uniqueBucket('cli');

  t.test('buckets, and cp of 24 MiB both ways, streamed, with throughput', async (t) => {
    t.match(await json(['buckets', 'create', bucket]), { name: bucket, created: true });
    t.ok((await json<{ name: string }[]>(['buckets', 'list'])).some((b) => b.name === bucket));
    t.match((await s3gate(['buckets'])).stdout, new RegExp(bucket), 'buckets lists by default, for a person');

    const dir = tempDir(t);
    const big = join(dir, 'big.bin');
    writeFileSync(big, randomBytes(24 * MiB));
    const up = await json(['cp', big, `s3gate://${bucket}/data/`]);
    t.match(up, { key: 'data/big.bin', size: 24 * MiB, bytes: 24 * MiB });
    t.ok(up.mbps > 0, `upload at ${up.mbps} MB/s`);
    const down = await json(['cp', `s3gate://${bucket}/data/big.bin`, join(dir, 'back.bin')]);
    t.match(down, { bytes: 24 * MiB, file: join(dir, 'back.bin') });
    t.ok(down.mbps > 0, `download at ${down.mbps} MB/s`);
    t.equal(await sha256File(join(dir, 'back.bin')), await sha256File(big), 'the same bytes came back');

    const human = await s3gate(['cp', `s3gate://${bucket}/data/big.bin`, dir]);
    t.equal(human.code, 0);
    t.match(human.stdout, new RegExp(`downloaded s3gate://.+/data/big\\.bin to .+big\\.bin: ${24 * MiB} bytes in [\\d.]+ s \\([\\d.]+ MB/s\\)`));

    const piped = await s3gate(['cp', '-', `s3gate://${bucket}/data/stdin.txt`, '--content-type', 'text/plain', '--meta', 'origin=pipe'], {}, Buffer.from('from stdin'));
    t.equal(piped.code, 0, piped.stderr);
    const out = await s3gate(['cp', `s3gate://${bucket}/data/stdin.txt`, '-']);
    t.equal(out.stdout, 'from stdin', 'to stdout');

    const missing = await s3gate(['cp', `s3gate://${bucket}/data/none.bin`, join(dir, 'none.bin')]);
    t.equal(missing.code, 3, 'not found: exit 3');
    t.match(missing.stderr, /S3GATE_OBJECT_NOT_FOUND/);
    t.notOk(existsSync(join(dir, 'none.bin')), 'no file for a failed download');
    t.same(
      readdirSync(dir).filter((f) => f.includes('s3gate-')),
      [],
      'and no partial file either',
    );
  });

  t.test('ls, rm and presign', async (t) => {
    for (const k of ['logs/a.txt', 'logs/b.txt', 'logs/old/c.txt']) t.equal((await s3gate(['cp', '-', `s3gate://${bucket}/${k}`], {}, Buffer.from(k))).code, 0);
    const level = await json<{ prefixes: string[]; objects: { key: string }[] }>(['ls', `s3gate://${bucket}/logs/`]);
    t.same(level.prefixes, ['logs/old/']);
    t.same(
      level.objects.map((o) => o.key),
      ['logs/a.txt', 'logs/b.txt'],
    );
    const all = (await s3gate(['ls', '-r', `s3gate://${bucket}/logs/`, '--json'])).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).key);
    t.same(all, ['logs/a.txt', 'logs/b.txt', 'logs/old/c.txt'], 'recursive, one JSON line per object');

    const signed = await json(['presign', `s3gate://${bucket}/logs/a.txt`, '--expires', '600']);
    t.equal(await (await fetch(signed.url)).text(), 'logs/a.txt', 'the presigned URL works without a key');

    t.equal((await s3gate(['rm', `s3gate://${bucket}/logs/`])).code, 2, 'a folder needs --recursive');
    t.match(await json(['rm', `s3gate://${bucket}/logs/a.txt`]), { deleted: ['logs/a.txt'] });
    const removed = await json<{ deleted: string[]; errors: unknown[] }>(['rm', '-r', `s3gate://${bucket}/logs/`]);
    t.same([removed.deleted.sort(), removed.errors], [['logs/b.txt', 'logs/old/c.txt'], []]);
    t.same((await json<{ objects: unknown[] }>(['ls', `s3gate://${bucket}/logs/`])).objects, []);
  });

  t.test('webhooks and a live tail of events', async (t) => {
    const rx = await receiver(t, (n) => ({ status: n === 1 ? 500 : 200 }));
    const hook = await json(['webhooks', 'create', rx.url, '--events', 's3:ObjectCreated:*', '--bucket', bucket, '--prefix', 'hooked/']);
    t.match(hook, { id: /^wh_/, secret: /^whsec_/ });
    t.ok((await json<{ id: string }[]>(['webhooks', 'list'])).some((w) => w.id === hook.id));

    // The tail prints the events recorded from the moment it starts, even before the server has taken
    // its subscription: one write once it says it is connected is enough.
    const tail = (args: string[]) => {
      const child = spawn(process.execPath, [bin, 'events', 'tail', '--bucket', bucket, '--count', '1', '--json', ...args], { env: { ...baseEnv, S3GATE_API_KEY: apiKey } });
      const out = { stdout: '', stderr: '', exited: new Promise<number | null>((resolve) => child.once('exit', resolve)) };
      child.stdout.on('data', (d) => (out.stdout += d));
      child.stderr.on('data', (d) => (out.stderr += d));
      t.teardown(() => child.kill());
      return out;
    };
    const first = tail([]);
    await until(() => first.stderr.includes('listening for events'), 60_000, 'the tail to connect');
    t.equal((await s3gate(['cp', '-', `s3gate://${bucket}/hooked/x.txt`], {}, Buffer.from('x'))).code, 0);
    t.equal(await first.exited, 0, 'the tail stops after --count events');
    const printed = JSON.parse(first.stdout.trim()) as { id: string };
    t.match(printed, { type: /^s3:ObjectCreated:/, data: { bucket, key: 'hooked/x.txt' } });
    // Resumed after that event: what was recorded while no tail ran comes first.
    t.equal((await s3gate(['cp', '-', `s3gate://${bucket}/hooked/y.txt`], {}, Buffer.from('y'))).code, 0);
    const resumed = tail(['--after', printed.id]);
    t.equal(await resumed.exited, 0);
    t.match(JSON.parse(resumed.stdout.trim()), { data: { key: 'hooked/y.txt' } }, '--after: the next event, recorded before the tail started');

    // The receiver refuses its first request: that delivery is delivered on its second attempt.
    type Listed = { id: string; status: string; attempts: number };
    await until(async () => (await json<Listed[]>(['webhooks', 'deliveries', hook.id])).some((d) => d.status === 'delivered' && d.attempts === 2), 15_000, 'the delivery after a retry');
    const delivery = (await json<Listed[]>(['webhooks', 'deliveries', hook.id])).find((d) => d.attempts === 2)!;
    t.match(delivery, { status: 'delivered', attempts: 2 });
    t.match(await json(['webhooks', 'retry', hook.id, delivery.id]), { id: delivery.id, status: 'pending' });
    const replay = await json(['webhooks', 'replay', hook.id, '--since', new Date(Date.now() - 60_000).toISOString()]);
    t.ok(replay, 'replay answers');
    await until(() => rx.received.length >= 4, 15_000, 'the retried and replayed deliveries');
  });

  t.test('tenants, API keys and S3 keys with the admin token', async (t) => {
    const created = await json(['tenants', 'create', 'cli-made', '--driver', 'disk'], admin);
    t.match(created, { id: 'cli-made', driver: 'disk', apiKey: /^s3g_/ });
    t.ok((await json<{ id: string }[]>(['tenants', 'list'], admin)).some((x) => x.id === 'cli-made'));
    t.match(await json(['tenants', 'show', 'cli-made'], admin), { id: 'cli-made', driver: 'disk' });
    t.equal((await s3gate(['tenants', 'verify', 'cli'], admin)).code, 0, "the RGW tenant's settings work");

    const key = await json(['keys', 'create', 'cli-made'], admin);
    t.equal((await s3gate(['buckets', 'create', 'by-new-key'], { S3GATE_API_KEY: key.apiKey })).code, 0);
    t.equal((await s3gate(['keys', 'revoke', 'cli-made', key.id], admin)).code, 0);
    const revoked = await s3gate(['buckets', 'list'], { S3GATE_API_KEY: key.apiKey });
    t.equal(revoked.code, 1, 'a revoked key is refused: exit 1');
    t.match(revoked.stderr, /S3GATE_UNAUTHORIZED/);

    const own = await json(['s3-keys', 'create']);
    t.match(own, { accessKeyId: /.+/, secretAccessKey: /.+/ });
    t.equal((await s3gate(['s3-keys', 'revoke', own.accessKeyId])).code, 0);
    const theirs = await json(['s3-keys', 'create', '--tenant', 'cli-made'], admin);
    t.equal((await s3gate(['s3-keys', 'revoke', theirs.accessKeyId, '--tenant', 'cli-made'], admin)).code, 0);

    t.equal((await s3gate(['tenants', 'delete', 'cli-made'], admin)).code, 0);
    t.equal((await s3gate(['tenants', 'show', 'cli-made'], admin)).code, 3, 'gone: exit 3');
    const noAdmin = await s3gate(['tenants', 'list']);
    t.equal(noAdmin.code, 2, 'the admin token is a setting to fix: exit 2');
    t.match(noAdmin.stderr, /needs the admin token/);
  });

  t.test("stats: the tenant's figures in words or JSON, the gateway's with its tenants ranked", async (t) => {
    const mine = await json<{ scope: string; totals: { requests: { rest: Record<string, number> }; events: number } }>(['stats']);
    t.equal(mine.scope, 'process');
    t.ok(mine.totals.requests.rest['2xx'] > 10, 'the commands above, counted');
    t.ok(mine.totals.events > 0);
    const text = await s3gate(['stats', '--window', '1h']);
    t.equal(text.code, 0);
    t.match(text.stdout, /^requests\s+\d+ \(REST \d+, GraphQL \d+, S3 \d+, tus \d+\)$/m);
    t.match(text.stdout, /^bytes\s+in [\d.,]+ (bytes|KB|MB|GB), out [\d.,]+ (bytes|KB|MB|GB)$/m, 'readable units');
    const gateway = await json<{ tenants: { tenant: string }[] }>(['stats', '--gateway'], admin);
    t.equal(gateway.tenants[0].tenant, 'cli', 'the busiest tenant first');
    const ranked = await s3gate(['stats', '--gateway', '--sort', 'errors'], admin);
    t.match(ranked.stdout, /^TENANT\s+REQUESTS\s+ERRORS/m);
    const bad = await s3gate(['stats', '--window', '2h']);
    t.equal(bad.code, 2, 'a setting to fix: exit 2');
    t.match(bad.stderr, /--window must be 10m or 1h/);
  });

  t.test('settings from flags, environment and profiles; usage and reachability', async (t) => {
    const saved = await json(['profile', 'set', 'work', '--url', url, '--api-key', apiKey], { S3GATE_API_KEY: undefined, S3GATE_URL: undefined });
    t.equal(saved.profile, 'work');
    t.equal(statSync(saved.file).mode & 0o777, 0o600, 'the profile file is readable by its owner alone');
    t.ok((await s3gate(['buckets', 'list', '--profile', 'work', '--json'], { S3GATE_API_KEY: undefined, S3GATE_URL: undefined })).stdout.includes(bucket), 'a profile is enough');
    t.same(await json(['profile', 'list']), [{ name: 'work', url, apiKey: true, adminToken: false }], 'listed without its secrets');
    t.notMatch(readFileSync(saved.file, 'utf8'), /undefined/);

    const down = await s3gate(['buckets', 'list', '--url', `http://127.0.0.1:${await freePort()}`]);
    t.equal(down.code, 4, 'an unreachable gateway: exit 4');
    t.match(down.stderr, /cannot reach the gateway .*ECONNREFUSED/);
    t.equal((await s3gate(['cp', 'a', 'b'])).code, 2, 'cp between two local paths is a usage error');
    t.equal((await s3gate(['no-such-command'])).code, 2);
    t.equal((await s3gate(['buckets', 'list'], { S3GATE_API_KEY: undefined })).code, 2, 'no API key');
    t.equal((await s3gate(['health', '--json'])).code, 0);
    t.match(JSON.parse((await s3gate(['health', '--json'])).stdout), { ready: true });
  });
});
