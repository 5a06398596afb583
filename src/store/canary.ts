import type { Kysely } from 'kysely';
import type { SecretBox } from '../lib/secretbox.js';
import type { Database } from './schema.js';

const KEY = 'master_key_canary';
const TEXT = 's3gate master key canary v1';

function opens(box: SecretBox, sealed: string): boolean {
  try {
    box.open(sealed);
    return true;
  } catch {
    return false;
  }
}

/** One sealed value of the store, if it holds any (tenant secrets, S3 keys, webhook secrets, ingest tokens). */
async function anySealed(db: Kysely<Database>): Promise<string | undefined> {
  const probes = [
    db.selectFrom('tenants').select('secrets as v').where('secrets', 'is not', null).limit(1),
    db.selectFrom('s3_keys').select('secret_sealed as v').limit(1),
    db.selectFrom('webhooks').select('secret as v').limit(1),
    db.selectFrom('ingest_tokens').select('token_sealed as v').limit(1),
  ];
  for (const q of probes) {
    const row = await q.executeTakeFirst();
    if (row?.v) return row.v;
  }
  return undefined;
}

/**
 * Whether `box` (the master key) opens this state store's secrets: true, or false when another key
 * sealed them. A store without a canary gets one, once its existing secrets (if any) are shown to open
 * with the key; two processes starting at once keep the first canary written and both check it.
 */
export async function masterKeyOpens(db: Kysely<Database>, box: SecretBox, opts: { readOnly?: boolean } = {}): Promise<boolean> {
  // Read only (the doctor), a store not migrated yet has no state_meta: its secrets decide alone.
  let row = await db
    .selectFrom('state_meta')
    .select('value')
    .where('key', '=', KEY)
    .executeTakeFirst()
    .catch((err: unknown) => {
      if (opts.readOnly) return undefined;
      throw err;
    });
  if (!row) {
    const sample = await anySealed(db);
    if (sample !== undefined && !opens(box, sample)) return false;
    if (opts.readOnly) return true;
    await db
      .insertInto('state_meta')
      .values({ key: KEY, value: box.seal(TEXT) })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    row = await db.selectFrom('state_meta').select('value').where('key', '=', KEY).executeTakeFirstOrThrow();
  }
  try {
    return box.open(row.value) === TEXT;
  } catch {
    return false;
  }
}
