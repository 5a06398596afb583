import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { tempDir } from './helpers/app.js';
import { freePort, until } from './helpers/stall.js';

const entry = fileURLToPath(new URL('../src/server.ts', import.meta.url));

const start = (env: Record<string, string | undefined>) => spawn(process.execPath, ['--experimental-async-context-frame', '--import', 'tsx', entry], { env, stdio: ['ignore', 'pipe', 'pipe'] });

t.test('with no configuration the gateway serves a local disk tenant and drains on SIGTERM; no secret reaches a log', async (t) => {
  const dataDir = tempDir(t);
  const port = await freePort();
  const s3Port = await freePort();
  // stdout a pipe, as under a service manager or a log collector, and JSON logs.
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, S3GATE_DATA_DIR: dataDir, PORT: String(port), S3GATE_S3_PORT: String(s3Port), LOG_LEVEL: 'info', S3GATE_LOG_FORMAT: 'json' };
  const child = start(env);
  t.teardown(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await until(() => /new S3 key:/.test(out), 30_000, 'the start-up banner');
  const base = `http://127.0.0.1:${port}`;
  t.match(out, `s3gate listening on ${base}`);
  const adminToken = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  t.match(out, `admin token: kept in ${join(dataDir, 'admin-token')} (not printed: stdout is not a terminal)`);
  t.match(out, "tenant 'local' created (its keys are not printed: stdout is not a terminal)");
  t.match(out, `new API key: curl -H "Authorization: Bearer $(cat ${join(dataDir, 'admin-token')})" -X POST ${base}/admin/tenants/local/keys`);
  t.notMatch(out, /s3ga_|s3g_|S3G[A-Z2-7]{17}|shown once/, 'no admin token, API key or S3 key in the output');
  t.notOk(out.includes(adminToken));
  // The hint works as printed.
  const made = spawnSync('bash', ['-c', /new API key: (curl .*)$/m.exec(out)![1] + ' -s'], { encoding: 'utf8' });
  const apiKey = (JSON.parse(made.stdout) as { apiKey: string }).apiKey;
  t.match(apiKey, /^s3g_/);
  const auth = { authorization: `Bearer ${apiKey}` };
  t.equal(spawnSync('bash', ['-c', /new S3 key: {2}(curl .*)$/m.exec(out)![1] + ' -s -o /dev/null -w "%{http_code}"'], { encoding: 'utf8' }).stdout, '201');

  t.equal((await fetch(`${base}/healthz`)).status, 200);
  t.same(await (await fetch(`${base}/readyz`)).json(), { status: 'ready' });
  t.equal((await fetch(`${base}/v1/buckets/first`, { method: 'PUT', headers: auth })).status, 201);
  t.equal((await fetch(`${base}/docs/`)).status, 200, 'interactive docs');
  t.equal((await fetch(`${base}/openapi.json`)).status, 200);

  // An upload in flight when SIGTERM arrives completes; then the process exits 0.
  const size = 1024 * 1024;
  const upload = new Promise<{ status?: number; body: string }>((resolve, reject) => {
    const req = http.request(`${base}/v1/buckets/first/objects/drain.bin`, { method: 'PUT', headers: { ...auth, 'content-length': String(size) } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.write(Buffer.alloc(size / 2));
    setTimeout(() => {
      child.kill('SIGTERM');
      setTimeout(() => req.end(Buffer.alloc(size / 2)), 300);
    }, 200);
  });
  const res = await upload;
  t.equal(res.status, 201, 'the in-flight upload finished');
  t.equal(JSON.parse(res.body).size, size);
  t.equal(await exited, 0, 'exit code 0 after draining');

  // A second start keeps the state and the admin token, and creates no new key.
  const again = start(env);
  t.teardown(() => again.kill('SIGKILL'));
  let out2 = '';
  again.stdout.on('data', (d) => (out2 += d));
  await until(() => out2.includes('listening'), 30_000, 'the second start');
  await until(() => out2.includes('new API key'), 5_000, 'the hint about keys');
  t.notMatch(out2, /shown once|s3ga_|s3g_/);
  t.equal((await fetch(`${base}/v1/buckets/first/objects/drain.bin`, { method: 'HEAD', headers: auth })).status, 200, 'the object survived the restart');
  again.kill('SIGTERM');
});

t.test("at a terminal the first start shows the admin token and the local tenant's keys, ready to use", async (t) => {
  const dataDir = tempDir(t);
  const port = await freePort();
  const s3Port = await freePort();
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, S3GATE_DATA_DIR: dataDir, PORT: String(port), S3GATE_S3_PORT: String(s3Port), LOG_LEVEL: 'warn' };
  // util-linux script(1) gives the gateway a pseudo-terminal as stdout.
  const command = [process.execPath, '--experimental-async-context-frame', '--import', 'tsx', entry].map((a) => `'${a}'`).join(' ');
  const child = spawn('script', ['-qfec', command, '/dev/null'], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  t.teardown(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  let out = '';
  child.stdout.on('data', (d) => (out += String(d).replace(/\r/g, '')));
  await until(() => /S3 key \(shown once\)[^\n]*\n[^\n]*aws/.test(out), 30_000, 'the start-up banner');
  t.match(out, `admin token: ${readFileSync(join(dataDir, 'admin-token'), 'utf8').trim()}  (kept in ${join(dataDir, 'admin-token')})`);
  const apiKey = /API key \(shown once\): (s3g_\S+)/.exec(out)![1];
  const base = `http://127.0.0.1:${port}`;
  t.equal((await fetch(`${base}/v1/buckets/first`, { method: 'PUT', headers: { authorization: `Bearer ${apiKey}` } })).status, 201);
  // The S3 door and its key: the printed aws command line works as printed (after the bucket above).
  t.match(out, `S3 protocol on http://127.0.0.1:${s3Port}`);
  t.match(out, /S3 key \(shown once\): S3G[A-Z2-7]{17} \/ \S{40}/);
  const line = /try: (AWS_ACCESS_KEY_ID=\S+ AWS_SECRET_ACCESS_KEY=\S+ AWS_DEFAULT_REGION=\S+ aws --endpoint-url \S+ s3 ls)/.exec(out)?.[1];
  t.ok(line, 'a ready aws command line');
  const ls = spawnSync('bash', ['-c', line!], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dataDir } });
  t.equal(ls.status, 0, ls.stderr);
  t.match(ls.stdout, / first\n/, 'it lists the bucket made through the API');
});
