import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'drizzle-orm'
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres'
import pg from 'pg'
import type { PostgresConfig } from '../../config.js'
import { ConflictError } from '../../errors.js'
import * as schema from '../schema.pg.js'
import { JOB_LOCKS, LOCK_SPACE, WRITERS_LOCK, type JobName } from './locks.js'
import { sqlState } from './errors.js'
import { applied, committed, migratePostgres } from './migrate.js'

export { sqlState }

// node-postgres hands bigint and numeric over as strings and parses JSON. Puls's bigints are
// milliseconds and counts, which a double holds exactly, and a raw read of a JSON column must give
// text as on SQLite (drizzle's jsonb columns parse text themselves). drizzle's node-postgres
// session falls back to the driver's global parsers for these types, so they are set globally.
pg.types.setTypeParser(pg.types.builtins.INT8, Number)
pg.types.setTypeParser(pg.types.builtins.NUMERIC, Number)
pg.types.setTypeParser(pg.types.builtins.JSONB, (text: string) => text)
pg.types.setTypeParser(pg.types.builtins.JSON, (text: string) => text)

export type PgDb = NodePgDatabase<typeof schema>
export type PgTx = Parameters<Parameters<PgDb['transaction']>[0]>[0]

/** The PostgreSQL store (docs/postgres.md); the service serves on it through ./store.ts. */
export interface PostgresStore {
  db: PgDb
  pool: pg.Pool
  /**
   * Runs `fn` in one READ COMMITTED transaction in the writers' turn (takeWriters), again (up to
   * five times in all, a random wait apart) when PostgreSQL aborts it for a deadlock or a
   * serialization failure: `fn` must only talk to the database.
   */
  transaction: <T>(fn: (tx: PgTx) => Promise<T>) => Promise<T>
  /**
   * Runs a job's `fn` unless another instance runs the same job now (a session advisory lock on a
   * connection held for the run; PostgreSQL lets go of it when an instance dies).
   */
  exclusive: <T>(job: JobName, fn: () => Promise<T>) => Promise<{ ran: true, value: T } | { ran: false }>
  /** true when the database answers and every committed migration is applied. */
  ready: () => Promise<boolean>
  close: () => Promise<void>
}

/** The server is not one Puls may run on; the message is one line for the operator. */
export class StoreRefusedError extends ConflictError {
  constructor (detail: string) {
    super('store_refused', detail)
  }
}

export interface OpenOptions {
  /**
   * Skip the durability checks: only for the throwaway test clusters, which run without fsync
   * (test/helpers/postgres.ts). Never for a database that keeps answers.
   */
  unsafeSkipDurabilityChecks?: boolean
  /** Apply migrations (default); false for a store that only reads or checks. */
  migrate?: boolean
}

/** Opens a pool, checks the server, applies migrations under the migrations lock. */
export async function openPostgres (config: PostgresConfig, opts: OpenOptions = {}): Promise<PostgresStore> {
  const pool = createPool(config)
  try {
    await checkServer(pool, opts.unsafeSkipDurabilityChecks === true)
    if (opts.migrate !== false) await migratePostgres(pool)
  } catch (err) {
    await pool.end()
    throw err
  }
  const db = drizzle({ client: pool, schema })
  db.transaction = transactionsOn(pool)
  return {
    db,
    pool,
    transaction: fn => writeTransaction(db, fn),
    exclusive: (job, fn) => exclusive(pool, job, fn),
    ready: async () => {
      try {
        return (await applied(pool)) >= committed()
      } catch {
        return false
      }
    },
    // Idempotent, as the SQLite store's: a test may close the store before the app does.
    close: async () => {
      if (!pool.ending) await pool.end()
    }
  }
}

export function createPool ({ url, poolSize }: PostgresConfig): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    application_name: 'puls',
    connectionTimeoutMillis: 10_000
  })
  // An idle connection the server dropped (restart, failover) must not crash the process; the
  // pool replaces it on the next checkout.
  pool.on('error', () => {})
  // The pool listens for errors only on idle clients: a checked-out one whose server goes away
  // between two queries would otherwise throw from the socket and end the process. Its next query
  // fails instead, and the pool drops it when it is released (docs/operating.md, readiness).
  pool.on('connect', client => { client.on('error', () => {}) })
  return pool
}

/** Server settings an acknowledged, anonymous answer depends on (docs/postgres.md). */
const SETTINGS = ['server_version_num', 'fsync', 'synchronous_commit', 'full_page_writes', 'track_commit_timestamp']

async function checkServer (pool: pg.Pool, skipDurability: boolean): Promise<void> {
  let rows: Array<{ name: string, setting: string }>
  try {
    rows = (await pool.query<{ name: string, setting: string }>(
      'SELECT name, setting FROM pg_settings WHERE name = ANY($1)', [SETTINGS])).rows
  } catch (err) {
    // node-postgres's messages name the host and the user, never the password.
    throw new StoreRefusedError(`cannot use the PostgreSQL database: ${(err as Error).message}`)
  }
  const problem = serverProblem(Object.fromEntries(rows.map(r => [r.name, r.setting])), skipDurability)
  if (problem !== undefined) throw new StoreRefusedError(problem)
}

/**
 * Why Puls refuses a server, in one line, or undefined. `fsync`, `synchronous_commit` and
 * `full_page_writes` off lose acknowledged answers on a power cut; `track_commit_timestamp` on
 * records when every row was written, to the microsecond (docs/anonymity.md).
 */
export function serverProblem (settings: Record<string, string>, skipDurability = false): string | undefined {
  const version = Number(settings.server_version_num ?? 0)
  if (version < 140000) return `PostgreSQL ${Math.floor(version / 10000)} is too old: Puls needs 14 or newer`
  if (settings.track_commit_timestamp === 'on') {
    return 'refusing PostgreSQL with track_commit_timestamp = on: it records when each answer was written; turn it off'
  }
  if (skipDurability) return undefined
  for (const name of ['fsync', 'synchronous_commit', 'full_page_writes']) {
    if (settings[name] === 'off') {
      return `refusing PostgreSQL with ${name} = off: an acknowledged answer could be lost on a power cut; turn it on`
    }
  }
  return undefined
}

/**
 * Transactions on a connection of the pool, always given back: drizzle's own transaction on a
 * pool keeps the connection when BEGIN fails (the server went away), and a pool that lost all its
 * connections that way hangs every later query and `close`. One drizzle handle per connection.
 */
function transactionsOn (pool: pg.Pool): PgDb['transaction'] {
  const handles = new WeakMap<pg.PoolClient, PgDb>()
  return async (fn, config) => {
    const client = await pool.connect()
    try {
      let db = handles.get(client)
      if (db === undefined) handles.set(client, db = drizzle({ client, schema }))
      return await db.transaction(fn, config)
    } finally {
      // The pool drops a connection that broke (node-postgres marks it not queryable).
      client.release()
    }
  }
}

const RETRIED = new Set(['40001', '40P01'])
// Writers take turns (takeWriters), so a conflict can only come from a single statement outside a
// transaction (the outbox's claims and marks) locking rows in another order: rare, and settled by
// trying again a random wait apart.
const ATTEMPTS = 5
const BACKOFF_MS = 5
const BACKOFF_MAX_MS = 250

/**
 * The first statement of every write transaction: waits for the writers' turn, held until COMMIT
 * or ROLLBACK. Two instances' transactions then never deadlock on rows they lock in another order,
 * nor abort each other, and one that reads and then writes sees no other writer's commit in
 * between (what SQLite's one writer gives). Reads outside transactions go on beside it.
 */
export async function takeWriters (tx: PgTx): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${LOCK_SPACE}, ${WRITERS_LOCK})`)
}

async function writeTransaction<T> (db: PgDb, fn: (tx: PgTx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(async tx => {
        await takeWriters(tx)
        return await fn(tx)
      })
    } catch (err) {
      if (attempt >= ATTEMPTS || !RETRIED.has(sqlState(err) ?? '')) throw err
    }
    await sleep(Math.random() * Math.min(BACKOFF_MS * 2 ** attempt, BACKOFF_MAX_MS))
  }
}

async function exclusive<T> (
  pool: pg.Pool,
  job: JobName,
  fn: () => Promise<T>
): Promise<{ ran: true, value: T } | { ran: false }> {
  const client = await pool.connect()
  const key = [LOCK_SPACE, JOB_LOCKS[job]]
  // A held connection the server drops (restart, terminated) reports it here, not as a crash.
  let broken: Error | undefined
  const lost = (err: Error): void => { broken = err }
  client.on('error', lost)
  try {
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', key)
    if (rows[0]?.ok !== true) return { ran: false }
    try {
      return { ran: true, value: await fn() }
    } finally {
      if (broken === undefined) await client.query('SELECT pg_advisory_unlock($1, $2)', key).catch(lost)
    }
  } finally {
    client.off('error', lost)
    // A connection that could not let go of its lock must not go back to the pool holding it.
    client.release(broken)
  }
}
