import type { Kysely } from 'kysely';
import type { SecretBox } from '../lib/secretbox.js';
import type { Database } from '../store/schema.js';

/** Every column that holds a secret sealed with the master key, by table, with the table's key. */
const SEALED = [
  { table: 'tenants', key: 'id', columns: ['secrets'] },
  { table: 's3_keys', key: 'access_key_id', columns: ['secret_sealed'] },
  { table: 'webhooks', key: 'id', columns: ['secret', 'previous_secret', 'credentials'] },
  { table: 'ingest_tokens', key: 'tenant_id', columns: ['token_sealed'] },
  { table: 'state_meta', key: 'key', columns: ['value'] },
] as const;

export interface RotationReport {
  /** Secrets sealed again with the current key, by table. */
  resealed: Record<string, number>;
  /** Secrets that already were. */
  current: number;
  /** Transactions run (each at most `batch` rows). */
  batches: number;
}

/**
 * Online master-key rotation: with S3GATE_MASTER_KEY (new) and S3GATE_MASTER_KEY_PREVIOUS (old) set,
 * every process opens both, and this seals every secret again with the new key, in bounded batches
 * (one short transaction each, in key order), so tenants keep working throughout. A row changed
 * meanwhile is left as its writer made it (sealed with the new key already). The canary goes too, so
 * once this has run the previous key can be removed.
 */
export class MasterKeyRotation {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly box: SecretBox,
  ) {}

  async run(batch = 100): Promise<RotationReport> {
    const report: RotationReport = { resealed: {}, current: 0, batches: 0 };
    // Table and column names come from SEALED above, never from a request.
    const db = this.db as unknown as Kysely<Record<string, Record<string, string | null>>>;
    for (const { table, key, columns } of SEALED) {
      report.resealed[table] = 0;
      for (let after: string | undefined; ; ) {
        let query = db
          .selectFrom(table)
          .select([key, ...columns])
          .orderBy(key)
          .limit(batch);
        if (after !== undefined) query = query.where(key, '>', after);
        const rows = await query.execute();
        if (rows.length === 0) break;
        report.batches++;
        await db.transaction().execute(async (trx) => {
          for (const row of rows) {
            for (const column of columns) {
              const sealed = row[column];
              if (!sealed) continue;
              const again = this.box.reseal(sealed);
              if (again === undefined) {
                report.current++;
                continue;
              }
              const res = await trx
                .updateTable(table)
                .set({ [column]: again })
                .where(key, '=', row[key]!)
                .where(column, '=', sealed)
                .executeTakeFirst();
              if (Number(res.numUpdatedRows) === 1) report.resealed[table]++;
            }
          }
        });
        after = rows.at(-1)![key]!;
        if (rows.length < batch) break;
      }
    }
    return report;
  }
}
