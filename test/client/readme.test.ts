import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { createTenant, listen, tempDir, testApp } from '../helpers/app.js';

const readme = readFileSync(fileURLToPath(new URL('../../clients/typescript/README.md', import.meta.url)), 'utf8');
const client = fileURLToPath(new URL('../../clients/typescript/src/index.ts', import.meta.url));
const examples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

/** What each example, in order, must print. */
const expected = [
  [/2026\/q3\.csv 22 [0-9a-f]{32}/, /text\/csv finance region,total\nnorth,42/],
  [/404 S3GATE_OBJECT_NOT_FOUND Object 'no\/such\/key' not found in bucket 'reports' [0-9a-f-]{36}/],
  [/s3:ObjectCreated:Put hello\.txt/, /http:\/\/127\.0\.0\.1:\d+\/hook delivered 1/],
  [/^process 60 \d+ [\d.,]+ (bytes|KB) [\d.,]+ (ms|s)$/m],
  [/\[ '2026\/' \] 1/],
];

t.test("the client README's examples run as written against a gateway", async (t) => {
  t.equal(examples.length, expected.length, 'every example is checked');
  const app = await testApp(t, { env: { S3GATE_WEBHOOK_ALLOW_PRIVATE: 'true', S3GATE_WEBHOOK_POLL_MS: '50' } });
  const env = { PATH: process.env.PATH, S3GATE_URL: await listen(app), S3GATE_API_KEY: await createTenant(app, { id: 'readme', driver: 'disk' }) };
  const dir = tempDir(t);
  for (const [i, code] of examples.entries()) {
    const file = join(dir, `example-${i + 1}.mts`);
    writeFileSync(file, code.replaceAll("from '@s3gate/client'", `from ${JSON.stringify(client)}`));
    const out = await promisify(execFile)(process.execPath, ['--import', 'tsx', file], { env, encoding: 'utf8', timeout: 60_000 }).catch((e: { stdout: string; stderr: string }) => ({
      stdout: e.stdout,
      stderr: e.stderr,
      failed: true,
    }));
    t.notOk('failed' in out, `example ${i + 1} exits 0 ${out.stderr}`);
    for (const re of expected[i] ?? []) t.match(out.stdout, re, `example ${i + 1} prints ${re}`);
  }
});
