import { sql } from 'drizzle-orm'
import { batchQueue, type GroupCommit, type Outcome } from '../group-commit.js'
import { takeWriters, type PgDb, type PgTx } from './client.js'
import { sqlState } from './errors.js'

// A unit that PostgreSQL cancelled for a deadlock or a serialization failure (two instances
// counting the same rollup rows) is run again in a new savepoint, this often in all.
const UNIT_ATTEMPTS = 3
const RETRIED = new Set(['40001', '40P01'])
const SAVEPOINT = sql`SAVEPOINT unit`
const RELEASE = sql`RELEASE SAVEPOINT unit`
const ROLLBACK_TO = sql`ROLLBACK TO SAVEPOINT unit`

/**
 * Group commit on PostgreSQL, with the same promise as on SQLite (src/db/group-commit.ts): writes
 * that arrive together share one READ COMMITTED transaction, each in its own savepoint, and none
 * is acknowledged before COMMIT returned (durable as the server's `synchronous_commit` says).
 * One batch at a time per instance, and batches and transactions of all instances take turns
 * (takeWriters in ./client.ts): two batches never deadlock on rollup rows they count into in
 * another order, and of two submits of one link on two instances the later finds it answered.
 */
export function pgGroupCommit (db: PgDb, maxUnits = 64): GroupCommit<PgTx> {
  async function runBatch (batch: Array<(handle: PgTx) => unknown>): Promise<Outcome[]> {
    return await db.transaction(async tx => {
      await takeWriters(tx)
      const results: Outcome[] = []
      for (const unit of batch) results.push(await runUnit(tx, unit))
      return results
    })
  }

  async function runUnit (tx: PgTx, unit: (handle: PgTx) => unknown): Promise<Outcome> {
    // Savepoints by hand, not drizzle's nested transactions: every unit of the batch then queries
    // with the one handle `tx`, so statements prepared per handle are built once a batch.
    for (let attempt = 1; ; attempt++) {
      await tx.execute(SAVEPOINT)
      try {
        const value = await unit(tx)
        await tx.execute(RELEASE)
        return { ok: true, value }
      } catch (err) {
        // A failed ROLLBACK TO (the connection is gone) fails the whole batch.
        await tx.execute(ROLLBACK_TO)
        await tx.execute(RELEASE)
        if (attempt < UNIT_ATTEMPTS && RETRIED.has(sqlState(err) ?? '')) continue
        return { ok: false, err }
      }
    }
  }

  return batchQueue(runBatch, { maxUnits, oneAtATime: true })
}
