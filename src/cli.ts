// `npx s3gate …`: operator commands that work on the gateway's state directly (bin/s3gate.js runs this).
// Settings come from the same environment as the server (S3GATE_DATA_DIR, DATABASE_URL), or flags.
import { chmodSync, closeSync, copyFileSync, existsSync, openSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig } from './config.js';
import { homedir } from 'node:os';
import { exitStatusOf, remoteCommands } from './cli/remote.js';
import { doctor } from './doctor.js';
import { PRIVATE_FILE, privateDir } from './lib/private-files.js';
import { SecretBox } from './lib/secretbox.js';
import { masterKeyOpens } from './store/canary.js';
import { connectDb, schemaState } from './store/db.js';

const STATE_FILE = 's3gate.sqlite';

interface StateSummary {
  schemaVersion: string;
  tenants: number;
  apiKeys: number;
  s3Keys: number;
  webhooks: number;
  pendingDeliveries: number;
}

/** Checks a SQLite state file (integrity, foreign keys) and counts what it holds. */
function inspect(file: string): StateSummary {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new ConfigError(`${file} is damaged: integrity_check says ${String(integrity)}`);
    const orphans = db.pragma('foreign_key_check') as unknown[];
    if (orphans.length > 0) throw new ConfigError(`${file} has ${orphans.length} rows whose parent is missing (foreign_key_check)`);
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    const last = db.prepare('select name from kysely_migration order by name desc limit 1').get() as { name: string } | undefined;
    if (!last) throw new ConfigError(`${file} is not an s3gate state store (no migrations recorded)`);
    return {
      schemaVersion: last.name,
      tenants: count('select count(*) as n from tenants'),
      apiKeys: count('select count(*) as n from api_keys where revoked_at is null'),
      s3Keys: count('select count(*) as n from s3_keys where revoked_at is null'),
      webhooks: count('select count(*) as n from webhooks'),
      pendingDeliveries: count("select count(*) as n from deliveries where status in ('pending', 'failed')"),
    };
  } finally {
    db.close();
  }
}

function sqliteState(opts: { dataDir?: string }): { dataDir: string; file: string } {
  const config = loadConfig(process.env, opts.dataDir ? { dataDir: resolve(opts.dataDir) } : {});
  if (config.databaseUrl) {
    throw new ConfigError('DATABASE_URL is set: the state is in PostgreSQL. Back it up with pg_dump and restore it with pg_restore (README, Operations)');
  }
  return { dataDir: config.dataDir, file: join(config.dataDir, STATE_FILE) };
}

function print(json: boolean, value: Record<string, unknown>, text: string): void {
  process.stdout.write(json ? JSON.stringify(value) + '\n' : text + '\n');
}

/** --json is one option of the whole program, given before or after the command. */
const jsonOf = (command: Command): boolean => Boolean((command.optsWithGlobals() as { json?: boolean }).json);

const KEY_HINT = 'Its secrets open only with the master key they were sealed with: S3GATE_MASTER_KEY, or master.key of the data directory it came from (not in the backup; keep it apart)';

export function program(): Command {
  const cli = new Command('s3gate').description('Operate an s3gate gateway, and use it').showHelpAfterError().exitOverride();
  remoteCommands(cli, process.env, homedir());
  const admin = cli.command('admin').description("Work on the gateway's state directly (on the machine that holds it)");

  admin
    .command('backup')
    .description('A consistent copy of the SQLite state while the gateway serves (SQLite online backup)')
    .argument('<file>', 'where to write the copy (must not exist)')
    .option('--data-dir <dir>', 'the data directory (default S3GATE_DATA_DIR or ./data)')
    .action(async (file: string, opts: { dataDir?: string; json?: boolean }, command: Command) => {
      opts.json = jsonOf(command);
      const { file: state } = sqliteState(opts);
      if (!existsSync(state)) throw new ConfigError(`no state store at ${state}; pass --data-dir or set S3GATE_DATA_DIR`);
      const out = resolve(file);
      // Created here, 0600 and only if absent: the copy holds every event's bucket and key, the tus
      // uploads' unsent bytes and the sealed secrets, and is for the gateway's user alone.
      try {
        closeSync(openSync(out, 'wx', PRIVATE_FILE));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new ConfigError(`${out} exists; choose a new file`);
        throw err;
      }
      const db = new SQLite(state, { fileMustExist: true });
      db.pragma('busy_timeout = 5000');
      try {
        // Copies page by page; pages written meanwhile are copied again, so the copy is one moment's state.
        await db.backup(out);
      } catch (err) {
        rmSync(out, { force: true });
        throw err;
      } finally {
        db.close();
      }
      // The copy keeps the state's WAL mode, which would put -wal and -shm files beside it whenever it is
      // opened: a backup is one file, with a rollback journal.
      const copy = new SQLite(out, { fileMustExist: true });
      copy.pragma('journal_mode = DELETE');
      copy.close();
      const summary = inspect(out);
      print(
        opts.json ?? false,
        { file: out, ...summary },
        `backed up ${state} to ${out}: schema ${summary.schemaVersion}, ${summary.tenants} tenants, ${summary.apiKeys} API keys, ${summary.s3Keys} S3 keys, ${summary.webhooks} webhooks, ${summary.pendingDeliveries} deliveries pending.\n${KEY_HINT}.`,
      );
    });

  admin
    .command('restore')
    .description('Put a backup back as the SQLite state (stop the gateway first)')
    .argument('<file>', 'a file written by s3gate admin backup')
    .option('--data-dir <dir>', 'the data directory (default S3GATE_DATA_DIR or ./data)')
    .option('--force', 'replace the state store that is there')
    .action(async (file: string, opts: { dataDir?: string; force?: boolean; json?: boolean }, command: Command) => {
      opts.json = jsonOf(command);
      const { dataDir, file: state } = sqliteState(opts);
      const summary = inspect(resolve(file));
      if (existsSync(state) && !opts.force) throw new ConfigError(`a state store exists at ${state}; stop the gateway and pass --force to replace it`);
      privateDir(dataDir);
      const tmp = `${state}.restoring`;
      copyFileSync(resolve(file), tmp);
      chmodSync(tmp, PRIVATE_FILE);
      for (const side of ['-wal', '-shm']) rmSync(state + side, { force: true });
      renameSync(tmp, state);
      print(
        opts.json ?? false,
        { dataDir, ...summary },
        `restored ${resolve(file)} into ${dataDir}: schema ${summary.schemaVersion}, ${summary.tenants} tenants, ${summary.webhooks} webhooks, ${summary.pendingDeliveries} deliveries pending.\n${KEY_HINT}.`,
      );
    });
  admin
    .command('rotate-master-key')
    .description('Seal every secret again with S3GATE_MASTER_KEY, in short batches, while the gateways serve (also: POST /admin/master-key/rotate)')
    .option('--batch <rows>', 'rows per transaction (1 to 1000)', '100')
    .action(async (opts: { batch: string; json?: boolean }, command: Command) => {
      opts.json = jsonOf(command);
      const batch = Number(opts.batch);
      if (!Number.isInteger(batch) || batch < 1 || batch > 1000) throw new ConfigError(`--batch takes a number of rows from 1 to 1000, got '${opts.batch}'`);
      const config = loadConfig(process.env);
      if (!config.masterKey) throw new ConfigError('set S3GATE_MASTER_KEY to the new key, and S3GATE_MASTER_KEY_PREVIOUS to the key being replaced (README, Operations)');
      const db = await connectDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      try {
        const schema = await schemaState(db.kysely, db.dialect);
        if (schema.unknown.length > 0 || schema.pending.length > 0) {
          throw new ConfigError(
            `the state store's schema is not this s3gate's (${[...schema.pending, ...schema.unknown].join(', ')}): start the gateway of this version first, or use the s3gate that matches the store`,
          );
        }
        const box = new SecretBox(Buffer.from(config.masterKey, 'base64'), config.masterKeyPrevious ? [Buffer.from(config.masterKeyPrevious, 'base64')] : []);
        if (!(await masterKeyOpens(db.kysely, box, { readOnly: true }))) {
          throw new ConfigError('neither S3GATE_MASTER_KEY nor S3GATE_MASTER_KEY_PREVIOUS opens the secrets of this state store: set S3GATE_MASTER_KEY_PREVIOUS to the key the gateways run with now');
        }
        // Loaded here: every other command would pay for the services' imports (the AWS SDK among them).
        const { createStateServices } = await import('./services/index.js');
        const { masterKeyRotation } = createStateServices(config, { kysely: db.kysely, box, masterKey: Buffer.from(config.masterKey, 'base64') });
        const report = await masterKeyRotation.run(batch);
        const total = Object.values(report.resealed).reduce((a, b) => a + b, 0);
        print(
          opts.json ?? false,
          { ...report },
          `sealed ${total} secret(s) again with S3GATE_MASTER_KEY in ${report.batches} batch(es) (${Object.entries(report.resealed)
            .map(([table, n]) => `${table} ${n}`)
            .join(', ')}); ${report.current} already were.\n` +
            (config.masterKeyPrevious ? 'Now restart every gateway without S3GATE_MASTER_KEY_PREVIOUS.' : 'S3GATE_MASTER_KEY_PREVIOUS is not set: nothing was sealed with another key.'),
        );
      } finally {
        await db.kysely.destroy();
      }
    });
  cli
    .command('doctor')
    .description('Check configuration, state store, master key, Redis, the running gateway and each tenant, and say what to fix')
    .action(async (opts: { json?: boolean }, command: Command) => {
      opts.json = jsonOf(command);
      const checks = await doctor(loadConfig(process.env));
      const failed = checks.filter((c) => !c.ok).length;
      if (opts.json) process.stdout.write(JSON.stringify({ ok: failed === 0, checks }) + '\n');
      else {
        for (const c of checks) process.stdout.write(`${c.ok ? '✓' : '✗'} ${c.check}: ${c.detail}${c.fix ? `\n    ${c.ok ? 'note' : 'fix'}: ${c.fix}` : ''}\n`);
        process.stdout.write(failed === 0 ? 'all checks passed\n' : `${failed} check(s) failed\n`);
      }
      if (failed > 0) process.exitCode = 1;
    });
  return cli;
}

/**
 * Runs the CLI. Exit status: 0 done; 1 the command failed (the gateway refused it: its code is printed);
 * 2 wrong usage or settings; 3 not found (a bucket, object, tenant, webhook…); 4 the gateway cannot be reached.
 */
export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof ConfigError) {
      process.stderr.write(`s3gate: ${err.message}\n`);
      return 2;
    }
    const failed = exitStatusOf(err);
    if (failed) {
      process.stderr.write(`s3gate: ${failed.message}\n`);
      return failed.status;
    }
    process.stderr.write(`s3gate: ${(err as Error).message}\n`);
    return 1;
  }
}
