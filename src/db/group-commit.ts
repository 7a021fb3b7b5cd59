import type Database from 'better-sqlite3'
import { TripwireError, type Connection } from './tripwire.js'

/**
 * One unit of work of a batch: runs inside the batch's transaction, in its own savepoint. It may be
 * async, but must await only the database: the batch fails if the event loop turns before it ends
 * (src/db/tripwire.ts).
 */
export type Unit<H, T> = (handle: H) => Promise<T>

interface Pending<H> {
  run: (handle: H) => unknown
  resolve: (value: unknown) => void
  reject: (err: unknown) => void
}

/** What became of one unit of a batch whose transaction committed. */
export type Outcome = { ok: true, value: unknown } | { ok: false, err: unknown }

export interface GroupCommit<H> {
  /**
   * Runs `unit` in the next batch; resolves with its result once the batch's COMMIT returned
   * (durable, with synchronous=FULL), rejects with the unit's own error (only its savepoint is
   * rolled back) or with the error of a failed BEGIN or COMMIT (then nothing of the batch is kept).
   */
  run: <T>(unit: Unit<H, T>) => Promise<T>
  /** Waits until every unit queued so far has been committed or refused. */
  flush: () => Promise<void>
  /** Told the size of every batch once it has committed or failed (the metrics plugin sets it). */
  onBatch?: (units: number) => void
}

/**
 * Group commit: writes that arrive together share one IMMEDIATE transaction and so one fsync of
 * the WAL, which is what a durable commit costs most of (BENCHMARKS.md). A unit queued now runs
 * two turns of the event loop later (setImmediate, twice) with every other unit queued by then,
 * up to `maxUnits`; each in a SAVEPOINT, so one unit's refusal (409, 410, a constraint) rolls back only
 * its own writes and rejects only its own promise, while a later unit still sees an earlier one's
 * writes (of two submits of the same link, the second finds it answered). Nothing is acknowledged
 * before COMMIT has returned.
 *
 * Batches and transactions take turns on the connection (`conn.serial`), and a batch must end
 * before the event loop turns (the tripwire, src/db/tripwire.ts): units await only the database,
 * which on SQLite answers at once, so no other request's query runs inside a batch.
 * `handle` is what units get to query with: the connection's own drizzle instance, so that
 * statements prepared per handle are prepared once, not once per transaction.
 */
export function groupCommit<H> (
  sqlite: Database.Database, conn: Connection, handle: H, maxUnits = 64
): GroupCommit<H> {
  const begin = sqlite.prepare('BEGIN IMMEDIATE')
  const commit = sqlite.prepare('COMMIT')
  const rollback = sqlite.prepare('ROLLBACK')
  const savepoint = sqlite.prepare('SAVEPOINT unit')
  const release = sqlite.prepare('RELEASE unit')
  const rollbackTo = sqlite.prepare('ROLLBACK TO unit')

  async function runBatch (batch: Array<(handle: H) => unknown>): Promise<Outcome[]> {
    const results: Outcome[] = []
    let wire: { disarm: () => boolean } | undefined
    try {
      begin.run()
      wire = conn.tripwire(() => { if (sqlite.inTransaction) rollback.run() })
      for (const unit of batch) {
        savepoint.run()
        try {
          const value = await unit(handle)
          release.run()
          results.push({ ok: true, value })
        } catch (err) {
          // An I/O error or a full disk may have ended the whole transaction, not just the
          // statement: then nothing of this batch can commit. A tripped batch was rolled back.
          if (!sqlite.inTransaction) throw err
          rollbackTo.run()
          release.run()
          results.push({ ok: false, err })
        }
      }
      if (wire.disarm()) throw new TripwireError()
      commit.run()
      return results
    } catch (caught) {
      // COMMIT can fail and leave the transaction open (a deferred constraint), or BEGIN can
      // time out: either way every unit of the batch is refused, even one that was refused on
      // its own, since what it saw may have been an earlier unit's write that is now undone.
      const err = wire?.disarm() === true ? new TripwireError() : caught
      if (sqlite.inTransaction) rollback.run()
      throw err
    }
  }

  return batchQueue<H>(batch => conn.serial(() => runBatch(batch)), { maxUnits, oneAtATime: false })
}

/**
 * The queue both stores' group commits share (this file, src/db/postgres/group-commit.ts): it
 * gathers units into batches of up to `maxUnits`, hands each batch to `runBatch`, and settles the
 * units' promises once it returned: each with its own outcome, or all with the error it threw
 * (the batch's transaction did not commit). `oneAtATime`: no batch is formed while one runs (the
 * PostgreSQL store, where batches would otherwise each take a connection); on SQLite batches take
 * turns on the connection anyway.
 */
export function batchQueue<H> (
  runBatch: (batch: Array<(handle: H) => unknown>) => Promise<Outcome[]>,
  opts: { maxUnits: number, oneAtATime: boolean }
): GroupCommit<H> {
  let queue: Array<Pending<H>> = []
  let scheduled = false
  let running = 0
  const drained: Array<() => void> = []

  function schedule (): void {
    if (scheduled || (opts.oneAtATime && running > 0)) return
    scheduled = true
    // Two turns of the event loop, not one: the poll phase between them reads the requests that
    // arrived while this turn's were being handled (or while the last COMMIT waited for the disk),
    // which then join this batch instead of paying for a commit of their own. A turn with nothing
    // to read costs microseconds; nothing sleeps.
    setImmediate(() => setImmediate(() => { void drain() }))
  }

  async function drain (): Promise<void> {
    scheduled = false
    const batch = queue.slice(0, opts.maxUnits)
    queue = queue.slice(batch.length)
    if (batch.length > 0) {
      running++
      try {
        await settle(batch)
      } finally {
        running--
      }
    }
    if (queue.length > 0) schedule()
    else if (running === 0 && !scheduled) for (const done of drained.splice(0)) done()
  }

  async function settle (batch: Array<Pending<H>>): Promise<void> {
    let results: Outcome[]
    try {
      results = await runBatch(batch.map(unit => unit.run))
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

  const api: GroupCommit<H> = {
    run: <T>(unit: Unit<H, T>) =>
      new Promise<T>((resolve, reject) => {
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
