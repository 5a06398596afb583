import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { bearer, createTenant, tempDir, testApp } from '../helpers/app.js';

const bin = fileURLToPath(new URL('../../bin/s3gate.js', import.meta.url));
const run = promisify(execFile);

/** Every path under dir (dir itself included) with its permission bits. */
function modes(dir: string): [string, number][] {
  const out: [string, number][] = [[dir, statSync(dir).mode & 0o777]];
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const path = join(dir, name);
    out.push([path, statSync(path).mode & 0o777]);
  }
  return out;
}

const wrong = (list: [string, number][], root: string) =>
  list.filter(([path, mode]) => mode !== (statSync(path).isDirectory() ? 0o700 : 0o600)).map(([path, mode]) => `${path.slice(root.length) || '/'} ${mode.toString(8)}`);

t.test("the state on disk is the gateway user's alone, whatever the umask: directories 0700, files 0600", async (t) => {
  const previous = process.umask(0o022);
  t.teardown(() => void process.umask(previous));
  const root = tempDir(t);
  const dataDir = join(root, 'data');
  // An existing data directory and secret left readable by an earlier release.
  mkdirSync(dataDir, { mode: 0o755 });
  writeFileSync(join(dataDir, 'master.key'), Buffer.alloc(32, 7).toString('base64') + '\n', { mode: 0o644 });
  const app = await testApp(t, { dataDir });
  const key = await createTenant(app, { id: 'perm', driver: 'disk' });
  t.equal((await app.inject({ method: 'PUT', url: '/v1/buckets/perm-bkt', headers: bearer(key) })).statusCode, 201);
  t.equal((await app.inject({ method: 'PUT', url: '/v1/buckets/perm-bkt/objects/a.txt', headers: bearer(key), payload: 'secret bytes' })).statusCode, 201);
  const all = modes(dataDir);
  for (const name of ['s3gate.sqlite', 's3gate.sqlite-wal', 's3gate.sqlite-shm', 'objects/index.sqlite', 'objects/index.sqlite-wal', 'objects/blobs', 'master.key']) {
    t.ok(
      all.some(([p]) => p === join(dataDir, name)),
      `${name} is there`,
    );
  }
  t.ok(
    all.some(([p]) => p.includes('/blobs/') && statSync(p).isFile()),
    'a blob is there',
  );
  t.same(wrong(all, dataDir), [], 'nothing readable by others');
  await app.close();

  // The backup: one file, 0600, no -wal or -shm beside it, that restores.
  const backup = join(root, 'state.backup');
  const res = await run(process.execPath, [bin, 'admin', 'backup', backup, '--data-dir', dataDir, '--json'], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
  t.equal(JSON.parse(res.stdout).tenants, 1);
  t.equal(statSync(backup).mode & 0o777, 0o600, 'the backup is 0600');
  t.same(readdirSync(root).sort(), ['data', 'state.backup'], 'and one file, with nothing beside it');
  const restored = join(root, 'restored');
  await run(process.execPath, [bin, 'admin', 'restore', backup, '--data-dir', restored], { env: { PATH: process.env.PATH }, encoding: 'utf8' });
  t.same(wrong(modes(restored), restored), [], 'a restored state is private too');
  t.notOk(existsSync(`${backup}-wal`));
});
