import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Teardown } from './http.js';

export const PG_ADMIN_URL = process.env.S3GATE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh PostgreSQL database, dropped at `t`'s teardown (a test's end, or a benchmark's). */
export async function tempPgDatabase(t: Teardown, prefix = 's3gate_test_'): Promise<string> {
  const name = `${prefix}${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  t.teardown(async () => {
    const c = new pg.Client({ connectionString: PG_ADMIN_URL });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await c.end();
  });
  const url = new URL(PG_ADMIN_URL);
  url.pathname = '/' + name;
  return url.toString();
}
