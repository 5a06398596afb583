import type { Kysely } from 'kysely';
import type { Database, TusCreationRow, TusPartRow, TusUploadRow } from './schema.js';

/** PostgreSQL returns bigint columns as strings. */
function row(r: TusUploadRow): TusUploadRow {
  return { ...r, size: Number(r.size), received: Number(r.received), part_size: Number(r.part_size), tail: r.tail && r.tail.length > 0 ? Buffer.from(r.tail) : null };
}

/** What a write stored: its parts, the offset reached and the bytes past the last part. */
export interface Progress {
  parts: { partNumber: number; etag: string; size: number }[];
  received: number;
  tail: Buffer | null;
}

/**
 * Resumable uploads in the state store, and the lease that makes one request at a time their writer,
 * across processes: a row is taken by a conditional UPDATE (free, or its lease run out), so SQLite
 * and PostgreSQL both decide atomically. Every write of progress is conditional on still holding it.
 */
export class TusRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * A new upload, and the creation URL that made it (when one did), in one transaction: of two
   * creations with the same URL, the second fails on the creation's primary key and inserts nothing.
   */
  async insert(r: TusUploadRow, creation?: TusCreationRow): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('tus_uploads').values(r).execute();
      if (creation) await trx.insertInto('tus_creations').values(creation).execute();
    });
  }

  /** The upload a creation URL (its nonce) made, if it made one. */
  async creation(tenantId: string, nonce: string): Promise<TusCreationRow | undefined> {
    return this.db.selectFrom('tus_creations').selectAll().where('tenant_id', '=', tenantId).where('nonce', '=', nonce).executeTakeFirst();
  }

  /** Forgets creation URLs that have expired: they open nothing any more. */
  async dropExpiredCreations(now: Date): Promise<void> {
    await this.db.deleteFrom('tus_creations').where('expires_at', '<', now.toISOString()).execute();
  }

  async get(id: string): Promise<TusUploadRow | undefined> {
    const r = await this.db.selectFrom('tus_uploads').selectAll().where('id', '=', id).executeTakeFirst();
    return r && row(r);
  }

  /** Unfinished uploads of a tenant. */
  async openCount(tenantId: string): Promise<number> {
    const r = await this.db
      .selectFrom('tus_uploads')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('state', '!=', 'done')
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** The highest part number recorded (0: none yet). */
  async lastPart(id: string): Promise<number> {
    const r = await this.db
      .selectFrom('tus_parts')
      .select((eb) => eb.fn.max('part_number').as('n'))
      .where('upload', '=', id)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async parts(id: string): Promise<TusPartRow[]> {
    const rows = await this.db.selectFrom('tus_parts').selectAll().where('upload', '=', id).orderBy('part_number').execute();
    return rows.map((p) => ({ ...p, size: Number(p.size) }));
  }

  /** Takes the upload for owner until `until` when no one holds it (or the holder's lease ran out). */
  async lock(id: string, owner: string, now: Date, until: Date): Promise<boolean> {
    const res = await this.db
      .updateTable('tus_uploads')
      .set({ lock_owner: owner, lock_until: until.toISOString() })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('lock_owner', 'is', null), eb('lock_until', '<', now.toISOString()), eb('lock_owner', '=', owner)]))
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Extends owner's lease; false when it is no longer theirs. */
  async renew(id: string, owner: string, until: Date): Promise<boolean> {
    const res = await this.db.updateTable('tus_uploads').set({ lock_until: until.toISOString() }).where('id', '=', id).where('lock_owner', '=', owner).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async unlock(id: string, owner: string): Promise<void> {
    await this.db.updateTable('tus_uploads').set({ lock_owner: null, lock_until: null }).where('id', '=', id).where('lock_owner', '=', owner).execute();
  }

  /** Records progress in one transaction; false (and nothing recorded) when owner no longer holds the upload. */
  async commit(id: string, owner: string, p: Progress): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx.updateTable('tus_uploads').set({ received: p.received, tail: p.tail }).where('id', '=', id).where('lock_owner', '=', owner).executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      for (const part of p.parts) {
        await trx
          .insertInto('tus_parts')
          .values({ upload: id, part_number: part.partNumber, etag: part.etag, size: part.size })
          .onConflict((oc) => oc.columns(['upload', 'part_number']).doUpdateSet({ etag: part.etag, size: part.size }))
          .execute();
      }
      return true;
    });
  }

  async setState(id: string, state: TusUploadRow['state'], etag?: string): Promise<void> {
    await this.db
      .updateTable('tus_uploads')
      .set({ state, ...(etag !== undefined && { etag }) })
      .where('id', '=', id)
      .execute();
  }

  /** A finished upload keeps its row (HEAD answers the full offset) but not its parts. */
  async done(id: string, etag: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('tus_uploads').set({ state: 'done', etag, tail: null }).where('id', '=', id).execute();
      await trx.deleteFrom('tus_parts').where('upload', '=', id).execute();
    });
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('tus_uploads').where('id', '=', id).execute();
  }

  /** Uploads past their expiry, oldest first. */
  expired(now: Date, limit: number): Promise<TusUploadRow[]> {
    return this.db
      .selectFrom('tus_uploads')
      .selectAll()
      .where('expires_at', '<', now.toISOString())
      .orderBy('expires_at')
      .limit(limit)
      .execute()
      .then((rows) => rows.map(row));
  }
}
