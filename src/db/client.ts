import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'
import { sql } from 'drizzle-orm'
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { migrationsDir } from '../paths.js'
import { isPostgres } from './dialect.js'
import { groupCommit, type GroupCommit } from './group-commit.js'
import type { JobName } from './postgres/locks.js'
import * as schema from './schema.js'
import { connection, TripwireError } from './tripwire.js'

export type Db = BetterSQLite3Database<typeof schema>
/**
 * A transaction handle. On SQLite a transaction hands its function the connection's own drizzle
 * instance (one connection, BEGIN and COMMIT by hand), so it is the Db; the name says where a
 * function expects to run.
 */
export type Tx = Db
/** What repositories take: the Db, or a transaction's handle. */
export type DbOrTx = Db | Tx

/**
 * A store: the SQLite file (this module) or a PostgreSQL database (src/db/postgres/store.ts), one
 * interface, decorated as `fastify.store`. Repositories query `db` (or a transaction's handle)
 * with the tables of `tables(db)` (src/db/dialect.ts).
 */
export interface DbHandle {
  kind: 'sqlite' | 'postgres'
  db: Db
  close: () => void | Promise<void>
  /**
   * Runs `fn` in one IMMEDIATE transaction: all or nothing, and no writer slips in between. `fn`
   * may await the database only: if the event loop turns before it ends, the transaction is rolled
   * back and rejects with a TripwireError (src/db/tripwire.ts). Transactions take turns.
   */
  transaction: <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>
  /**
   * Group commit for the hot write path (answers): `fn` runs with the others that arrive meanwhile
   * in one IMMEDIATE transaction, in its own savepoint; the promise settles once that transaction
   * has committed (durably) or failed (src/db/group-commit.ts). `fn` awaits the database only.
   */
  writes: GroupCommit<DbOrTx>
  /** true when the database answers and every committed migration is applied. */
  ready: () => Promise<boolean>
  /**
   * Runs a background job's `fn` unless another instance on the same database runs it now. One
   * process owns a SQLite file, so there it always runs.
   */
  exclusive: <T>(job: JobName, fn: () => Promise<T>) => Promise<{ ran: true, value: T } | { ran: false }>
}

export function openDatabase (file: string): DbHandle {
  if (file !== ':memory:') {
    // Addresses and answers: readable by the service's user only. SQLite gives the WAL and shared
    // memory files the database file's mode, so creating it 0600 covers them (docs/operating.md).
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
    closeSync(openSync(file, 'a', 0o600))
  }
  const sqlite = new Database(file)
  sqlite.pragma('journal_mode = WAL')
  // FULL: an acknowledged answer survives a power cut, not only a process crash.
  sqlite.pragma('synchronous = FULL')
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('foreign_keys = ON')
  // Erased addresses are overwritten on disk, not just unlinked from the b-tree (docs/anonymity.md, promise 3).
  sqlite.pragma('secure_delete = ON')
  const conn = connection()
  const db = drizzle({ client: sqlite, schema, logger: conn.logger })
  const begin = sqlite.prepare('BEGIN IMMEDIATE')
  const commit = sqlite.prepare('COMMIT')
  const rollback = sqlite.prepare('ROLLBACK')
  return {
    kind: 'sqlite',
    db,
    exclusive: async (_job, fn) => ({ ran: true, value: await fn() }),
    close: () => {
      if (sqlite.open) sqlite.close()
    },
    transaction: fn => conn.serial(async () => {
      begin.run()
      const wire = conn.tripwire(() => { if (sqlite.inTransaction) rollback.run() })
      try {
        const value = await fn(db)
        if (wire.disarm()) throw new TripwireError()
        commit.run()
        return value
      } catch (err) {
        // A failed COMMIT (a deferred constraint) may leave the transaction open.
        if (sqlite.inTransaction) rollback.run()
        throw wire.disarm() ? new TripwireError() : err
      }
    }),
    writes: groupCommit<DbOrTx>(sqlite, conn, db),
    ready: async () => sqlite.open && await appliedMigrations(db) >= committedMigrations()
  }
}

export function runMigrations (database: DbHandle): void {
  migrate(database.db, { migrationsFolder: migrationsDir })
}

function committedMigrations (): number {
  const journal = JSON.parse(readFileSync(join(migrationsDir, 'meta', '_journal.json'), 'utf8')) as {
    entries: unknown[]
  }
  return journal.entries.length
}

async function appliedMigrations (db: Db): Promise<number> {
  try {
    const row = await db.get<{ n: number }>(sql`SELECT count(*) AS n FROM __drizzle_migrations`)
    return row.n
  } catch {
    return 0
  }
}

/**
 * Copies the write-ahead log into the database file and empties it. Until then the -wal file
 * beside the database still holds old versions of changed pages, erased addresses included
 * (docs/anonymity.md, promise 3). Best effort: a reader in another process may hold it back until the next call.
 */
export async function truncateWal (db: Db): Promise<void> {
  // PostgreSQL has no such file to empty; its erased rows are the seal's and sweep's (docs/postgres.md).
  if (isPostgres(db)) return
  await db.run(sql`PRAGMA wal_checkpoint(TRUNCATE)`)
}
