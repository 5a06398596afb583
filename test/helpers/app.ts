import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, type BuildOptions } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { tempPgDatabase } from './pg.js';
import type { Teardown } from './http.js';

export const ADMIN_TOKEN = 'test-admin-token-' + randomBytes(8).toString('hex');
export const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
export const bearer = (apiKey: string) => ({ authorization: `Bearer ${apiKey}` });

export { PG_ADMIN_URL, tempPgDatabase } from './pg.js';

export function tempDir(t: Teardown, prefix = 's3gate-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface TestAppOptions {
  db?: 'sqlite' | 'postgres';
  env?: Record<string, string>;
  config?: Partial<Config>;
  dataDir?: string;
  /** Where log lines go (one JSON object per line); silent when unset. */
  logStream?: { write(line: string): void };
  onRoute?: BuildOptions['onRoute'];
}

/** A gateway on a temporary data directory (and database), closed at the end of the test. */
export async function testApp(t: Teardown, opts: TestAppOptions = {}): Promise<FastifyInstance> {
  const dataDir = opts.dataDir ?? tempDir(t);
  const databaseUrl = opts.db === 'postgres' ? await tempPgDatabase(t) : undefined;
  const config = loadConfig(
    { S3GATE_ADMIN_TOKEN: ADMIN_TOKEN, S3GATE_BOOTSTRAP_LOCAL_TENANT: 'false', ...opts.env },
    { dataDir, ...opts.config, databaseUrl: opts.config?.databaseUrl ?? databaseUrl },
  );
  const logger = opts.logStream ? { level: 'trace', stream: opts.logStream } : process.env.S3GATE_TEST_LOG ? { level: process.env.S3GATE_TEST_LOG } : false;
  const app = await buildApp(config, { logger, onRoute: opts.onRoute });
  t.teardown(() => app.close());
  await app.ready();
  return app;
}

/** Creates a tenant through the admin API; returns its API key. */
export async function createTenant(app: FastifyInstance, body: Record<string, unknown>): Promise<string> {
  const res = await app.inject({ method: 'POST', url: '/admin/tenants', headers: admin, payload: body });
  if (res.statusCode !== 201) throw new Error(`creating tenant failed: ${res.statusCode} ${res.body}`);
  return res.json().apiKey as string;
}

/** Listens on an ephemeral loopback port; for tests that need a real HTTP client (streams, aborts). */
export async function listen(app: FastifyInstance): Promise<string> {
  if (app.server.listening) {
    const { port } = app.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }
  return app.listen({ host: '127.0.0.1', port: 0 });
}
