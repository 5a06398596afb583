import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Config } from './config.js';
import { SecretBox } from './lib/secretbox.js';
import { masterKeyOpens } from './store/canary.js';
import { connectDb, schemaState } from './store/db.js';

export interface Check {
  check: string;
  ok: boolean;
  /** What was found. */
  detail: string;
  /** What to do, when not ok (or worth doing). */
  fix?: string;
}

/** A secret of the data directory, when the gateway generated it there. */
function fileSecret(config: Config, name: string): string | undefined {
  const path = join(config.dataDir, name);
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : undefined;
}

/**
 * `s3gate doctor`: what an operator would check by hand, each with what to fix. Reads the state store
 * without changing it (no migration, no canary written), pings Redis, then asks the running gateway
 * (S3GATE_PUBLIC_URL, else HOST:PORT) for its readiness and each tenant's health with the admin token.
 */
export async function doctor(config: Config): Promise<Check[]> {
  const checks: Check[] = [{ check: 'configuration', ok: true, detail: `data directory ${config.dataDir}; state in ${config.databaseUrl ? 'PostgreSQL' : 'SQLite'}` }];
  const where = config.databaseUrl ? `PostgreSQL at ${new URL(config.databaseUrl).host}${new URL(config.databaseUrl).pathname}` : `SQLite at ${join(config.dataDir, 's3gate.sqlite')}`;

  const hasState = config.databaseUrl !== undefined || existsSync(join(config.dataDir, 's3gate.sqlite'));
  if (!hasState) {
    checks.push({ check: 'state store', ok: true, detail: `none yet at ${where}`, fix: 'the first start creates it' });
  } else {
    let db: Awaited<ReturnType<typeof connectDb>> | undefined;
    try {
      db = await connectDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      const schema = await schemaState(db.kysely, db.dialect);
      checks.push({ check: 'state store', ok: true, detail: `${where} answers` });
      if (schema.unknown.length > 0) {
        checks.push({
          check: 'schema',
          ok: false,
          detail: `newer than this s3gate (${schema.unknown.join(', ')})`,
          fix: 'run the s3gate version that upgraded it, or restore the backup made before the upgrade',
        });
      } else if (schema.pending.length > 0) {
        checks.push({
          check: 'schema',
          ok: true,
          detail: `${schema.applied.at(-1) ?? 'empty'}; ${schema.pending.length} migration(s) run at the next start (${schema.pending.join(', ')})`,
          fix: 'back the state up first (s3gate admin backup)',
        });
      } else {
        checks.push({ check: 'schema', ok: true, detail: `${schema.applied.at(-1)}, current` });
      }
      const master = config.masterKey ?? fileSecret(config, 'master.key');
      if (!master) {
        checks.push({
          check: 'master key',
          ok: false,
          detail: 'S3GATE_MASTER_KEY is unset and the data directory has no master.key',
          fix: 'set S3GATE_MASTER_KEY to the key this state store was created with',
        });
      } else {
        const previous = config.masterKeyPrevious ? [Buffer.from(config.masterKeyPrevious, 'base64')] : [];
        const opens = await masterKeyOpens(db.kysely, new SecretBox(Buffer.from(master, 'base64'), previous), { readOnly: true });
        checks.push(
          opens
            ? {
                check: 'master key',
                ok: true,
                detail: `${config.masterKey ? 'S3GATE_MASTER_KEY' : 'data/master.key'} opens the secrets${previous.length ? ' (S3GATE_MASTER_KEY_PREVIOUS is set)' : ''}`,
                ...(previous.length && { fix: 'finish the rotation: POST /admin/master-key/rotate, then remove S3GATE_MASTER_KEY_PREVIOUS' }),
              }
            : {
                check: 'master key',
                ok: false,
                detail: 'it does not open the secrets of the state store',
                fix: 'set S3GATE_MASTER_KEY to the key this state store was created with (the same on every process sharing a database)',
              },
        );
      }
    } catch (err) {
      checks.push({
        check: 'state store',
        ok: false,
        detail: `${where}: ${(err as Error).message}`,
        fix: config.databaseUrl ? 'check DATABASE_URL and that PostgreSQL runs' : 'check S3GATE_DATA_DIR and its permissions',
      });
    } finally {
      await db?.kysely.destroy();
    }
  }

  if (config.redisUrl) {
    const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
    redis.on('error', () => {});
    try {
      await redis.connect();
      await redis.ping();
      checks.push({ check: 'redis', ok: true, detail: `${new URL(config.redisUrl).host} answers` });
    } catch (err) {
      checks.push({
        check: 'redis',
        ok: false,
        detail: `${new URL(config.redisUrl).host}: ${(err as Error).message}`,
        fix: 'start Redis or fix REDIS_URL: without it rate limits hold per process and subscriptions do not cross processes',
      });
    } finally {
      redis.disconnect();
    }
  }

  const base = config.publicUrl ?? `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  const ready = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(3000) }).then(
    (r) => (r.ok ? undefined : `answered ${r.status}`),
    (err: Error) => (err.cause as Error | undefined)?.message ?? err.message,
  );
  if (ready !== undefined) {
    checks.push({
      check: 'gateway',
      ok: false,
      detail: `${base}/readyz: ${ready}`,
      fix: config.publicUrl ? 'start the gateway, or fix S3GATE_PUBLIC_URL (it must be the URL clients reach it at)' : 'start the gateway (npm start); tenant checks need it',
    });
    return checks;
  }
  checks.push({ check: 'gateway', ok: true, detail: `${base} is ready` });
  if (!config.publicUrl && !['127.0.0.1', 'localhost', '::1'].includes(config.host)) {
    checks.push({ check: 'public URL', ok: true, detail: 'S3GATE_PUBLIC_URL is unset', fix: 'set it to the URL clients reach the gateway at: presigned and tus upload URLs name it' });
  }
  const token = config.adminToken ?? fileSecret(config, 'admin-token');
  if (!token) {
    checks.push({ check: 'tenants', ok: false, detail: 'no admin token (S3GATE_ADMIN_TOKEN, or data/admin-token)', fix: 'set S3GATE_ADMIN_TOKEN to check each tenant' });
    return checks;
  }
  const auth = { authorization: `Bearer ${token}` };
  const list = await fetch(`${base}/admin/tenants`, { headers: auth });
  if (!list.ok) {
    checks.push({ check: 'tenants', ok: false, detail: `GET /admin/tenants answered ${list.status}`, fix: "the admin token is not this gateway's: set S3GATE_ADMIN_TOKEN" });
    return checks;
  }
  const { tenants } = (await list.json()) as { tenants: { id: string }[] };
  for (const t of tenants) {
    const res = await fetch(`${base}/admin/tenants/${encodeURIComponent(t.id)}/health`, { headers: auth });
    const h = (await res.json()) as { ok?: boolean; latencyMs?: number; error?: { code: string; message: string } | null };
    checks.push(
      h.ok
        ? { check: `tenant ${t.id}`, ok: true, detail: `its storage answers (${Math.round(h.latencyMs ?? 0)} ms)` }
        : { check: `tenant ${t.id}`, ok: false, detail: `${h.error?.code ?? res.status}: ${h.error?.message ?? ''}`.trim(), fix: `fix its s3 settings: PATCH /admin/tenants/${t.id}?verify=true` },
    );
  }
  return checks;
}
