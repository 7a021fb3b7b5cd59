import { sql } from 'drizzle-orm'
import type { GroupCommit, Unit } from '../group-commit.js'
import { takeWriters, type PgDb, type PgTx } from './client.js'
import { sqlState } from './errors.js'

interface Pending {
  run: (handle: PgTx) => unknown
  resolve: (value: unknown) => void
  reject: (err: unknown) => void
}

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
  let queue: Pending[] = []
  let scheduled = false
  let running = 0
  const drained: Array<() => void> = []

  function schedule (): void {
    if (scheduled || running > 0) return
    scheduled = true
    // As on SQLite: two turns, so requests read meanwhile join this batch.
    setImmediate(() => setImmediate(() => { void drain() }))
  }

  async function drain (): Promise<void> {
    scheduled = false
    const batch = queue.slice(0, maxUnits)
    queue = queue.slice(batch.length)
    if (batch.length > 0) {
      running++
      try {
        await runBatch(batch)
      } finally {
        running--
      }
    }
    if (queue.length > 0) schedule()
    else if (running === 0 && !scheduled) for (const done of drained.splice(0)) done()
  }

  async function runBatch (batch: Pending[]): Promise<void> {
    const results: Array<{ ok: true, value: unknown } | { ok: false, err: unknown }> = []
    try {
      await db.transaction(async tx => {
        await takeWriters(tx)
        results.length = 0
        for (const unit of batch) results.push(await runUnit(tx, unit))
      })
    } catch (err) {
      for (const unit of batch) unit.reject(err)
      api.onBatch?.(batch.length)
      return
    }
    batch.forEach((unit, i) => {
      const result = results[i]!
      if (result.ok) unit.resolve(result.value)
      else unit.reject(result.err)
    })
    api.onBatch?.(batch.length)
  }

  type Outcome = { ok: true, value: unknown } | { ok: false, err: unknown }
  async function runUnit (tx: PgTx, unit: Pending): Promise<Outcome> {
    // Savepoints by hand, not drizzle's nested transactions: every unit of the batch then queries
    // with the one handle `tx`, so statements prepared per handle are built once a batch.
    for (let attempt = 1; ; attempt++) {
      await tx.execute(SAVEPOINT)
      try {
        const value = await unit.run(tx)
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

  const api: GroupCommit<PgTx> = {
    run: <T>(unit: Unit<PgTx, T>) => new Promise<T>((resolve, reject) => {
      queue.push({ run: unit, resolve: resolve as (value: unknown) => void, reject })
      schedule()
    }),
    flush: () =>
      queue.length === 0 && !scheduled && running === 0
        ? Promise.resolve()
        : new Promise(resolve => {
          drained.push(resolve)
        })
  }
  return api
}
