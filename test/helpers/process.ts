import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ADMIN_TOKEN, type tempDir } from './app.js';
import { freePort, until } from './stall.js';

const entry = fileURLToPath(new URL('../../src/server.ts', import.meta.url));
export const apiKey = 's3g_' + 'd'.repeat(43);
export const masterKey = Buffer.alloc(32, 9).toString('base64');

/** A gateway in its own process (so it can be killed with SIGKILL), by default with one disk tenant. */
export async function gatewayProcess(
  t: Parameters<typeof tempDir>[0],
  dataDir: string,
  env: Record<string, string> = {},
  tenantList: Record<string, unknown>[] = [{ id: 'dur', driver: 'disk', apiKeys: [apiKey] }],
) {
  const tenants = join(dataDir, '..', 'tenants.json');
  writeFileSync(tenants, JSON.stringify({ tenants: tenantList }));
  const port = await freePort();
  const child = spawn(process.execPath, ['--experimental-async-context-frame', '--import', 'tsx', entry], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      S3GATE_S3_PORT: '0',
      S3GATE_DATA_DIR: dataDir,
      S3GATE_TENANTS_FILE: tenants,
      S3GATE_ADMIN_TOKEN: ADMIN_TOKEN,
      S3GATE_MASTER_KEY: masterKey,
      S3GATE_BOOTSTRAP_LOCAL_TENANT: 'false',
      S3GATE_WEBHOOK_ALLOW_PRIVATE: 'true',
      S3GATE_WEBHOOK_RETRY_SCHEDULE: '0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1,0.1',
      S3GATE_WEBHOOK_TIMEOUT_MS: '500',
      S3GATE_WEBHOOK_POLL_MS: '50',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  await until(() => out.includes('listening'), 30_000, 'the gateway process to start');
  return { base: `http://127.0.0.1:${port}`, child, output: () => out };
}
