import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRIVATE_FILE, privateDir } from '../lib/private-files.js';
import fp from 'fastify-plugin';
import { ConfigError, type Config } from '../config.js';
import { masterKeyOpens } from '../store/canary.js';
import { SecretBox } from '../lib/secretbox.js';
import { openDb, type Db } from '../store/db.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    db: Db;
    masterKey: Buffer;
    /** Seals with the master key; opens with it or S3GATE_MASTER_KEY_PREVIOUS. */
    secretBox: SecretBox;
    adminToken: string;
    /** S3GATE_ADMIN_TOKEN_PREVIOUS, accepted beside adminToken during a rotation. */
    adminTokenPrevious: string | undefined;
    /** The admin token was created (and written to the data directory) at this start. */
    adminTokenCreated: boolean;
  }
}

/** host:port/database of a PostgreSQL URL, without its credentials. */
function describeDb(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return '(DATABASE_URL)';
  }
}

/** Reads a secret from the data directory, or creates it there (mode 0600) on first start. */
function fileSecret(dir: string, name: string, make: () => string): { value: string; created: boolean } {
  const path = join(dir, name);
  if (existsSync(path)) {
    chmodSync(path, PRIVATE_FILE);
    return { value: readFileSync(path, 'utf8').trim(), created: false };
  }
  const value = make();
  writeFileSync(path, value + '\n', { mode: PRIVATE_FILE, flag: 'wx' });
  chmodSync(path, PRIVATE_FILE);
  return { value, created: true };
}

/** The state store and the secrets that protect it. */
export const statePlugin = fp<{ config: Config }>(
  async (app, { config }) => {
    privateDir(config.dataDir);
    const master = config.masterKey ?? fileSecret(config.dataDir, 'master.key', () => randomBytes(32).toString('base64')).value;
    if (!config.masterKey && config.databaseUrl) {
      app.log.warn('DATABASE_URL is set without S3GATE_MASTER_KEY: secrets are encrypted with a key kept in the data directory; every process sharing this database needs the same S3GATE_MASTER_KEY');
    }
    const admin = config.adminToken ? { value: config.adminToken, created: false } : fileSecret(config.dataDir, 'admin-token', () => 's3ga_' + randomBytes(32).toString('base64url'));
    const masterKey = Buffer.from(master, 'base64');
    const previousKey = config.masterKeyPrevious ? Buffer.from(config.masterKeyPrevious, 'base64') : undefined;
    const box = new SecretBox(masterKey, previousKey ? [previousKey] : []);
    const db = await openDb({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      onIdleError: (err) => app.log.warn({ err }, 'an idle PostgreSQL connection failed; the pool opens a new one when needed'),
    });
    app.addHook('onClose', async () => db.close());
    if (!(await masterKeyOpens(db.kysely, box))) {
      await db.close();
      const store = config.databaseUrl ? `the PostgreSQL database ${describeDb(config.databaseUrl)}` : `the SQLite state in ${config.dataDir}`;
      const source = config.masterKey ? 'S3GATE_MASTER_KEY' : `the key in ${join(config.dataDir, 'master.key')} (S3GATE_MASTER_KEY is unset)`;
      throw new ConfigError(
        `the master key does not open the secrets of ${store}: ${source} is not the key they were sealed with. Set S3GATE_MASTER_KEY to the key this state store was created with; every process sharing a database needs the same key`,
      );
    }
    app.decorate('config', config);
    app.decorate('db', db);
    app.decorate('masterKey', masterKey);
    app.decorate('secretBox', box);
    app.decorate('adminTokenPrevious', config.adminTokenPrevious);
    if (previousKey) app.log.warn('S3GATE_MASTER_KEY_PREVIOUS is set: secrets sealed with it still open. Seal them again with POST /admin/master-key/rotate, then remove it');
    if (config.adminTokenPrevious) app.log.warn('S3GATE_ADMIN_TOKEN_PREVIOUS is set: the previous admin token is still accepted; remove it once every client uses the new one');
    app.decorate('adminToken', admin.value);
    app.decorate('adminTokenCreated', admin.created);
  },
  { name: 's3gate-state' },
);
