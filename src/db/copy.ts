import Database from 'better-sqlite3'
import { getTableColumns, getTableName, type Column } from 'drizzle-orm'
import { getTableConfig as pgConfig, PgTable } from 'drizzle-orm/pg-core'
import { getTableConfig as sqliteConfig, SQLiteTable } from 'drizzle-orm/sqlite-core'
import type { PostgresConfig } from '../config.js'
import { ConflictError, NotFoundError } from '../errors.js'
import { migrationsDir } from '../paths.js'
import { openPostgres, sqlState, type OpenOptions, type PostgresStore } from './postgres/client.js'
import { committed } from './postgres/migrate.js'
import * as pgSchema from './schema.pg.js'
import * as sqliteSchema from './schema.js'

// `puls copy-to <postgres-url>` (docs/postgres.md, "Moving a SQLite installation"): the SQLite
// database, read in one snapshot while the service may keep running, into an empty PostgreSQL
// database, every table in one PostgreSQL transaction. Rows go in key order, never in the order
// SQLite happens to hold them, so nothing on the target follows arrival (docs/anonymity.md).
// Nothing here logs or reports a row's contents: only table names and counts.

export interface CopyCount { table: string, rows: number }

export interface CopyListener {
  /** Before the first row: what the snapshot holds, per table, in copy order. */
  start?: (counts: CopyCount[]) => void
  /** After each batch: rows of `table` written so far, and of all tables. */
  rows?: (table: string, done: number, doneAll: number) => void
}

/** A copy that cannot go ahead or did not add up; one line for the operator. */
export class CopyError extends ConflictError {}

interface Pair { name: string, sqlite: SQLiteTable, pg: PgTable }

/** Copies `sourceFile` into the empty PostgreSQL database of `target`; returns the counts, checked. */
export async function copyToPostgres (
  sourceFile: string,
  target: PostgresConfig,
  listener: CopyListener = {},
  opts: OpenOptions = {}
): Promise<CopyCount[]> {
  const sqlite = openSource(sourceFile)
  let store: PostgresStore | undefined
  try {
    // Migrating the target first: an empty database gets the tables, a non-Puls one fails here.
    store = await openPostgres(target, opts)
    await refuseUnlessEmpty(store)
    const tables = inCopyOrder()
    // One read transaction: every table as of the same moment, while the service writes on.
    sqlite.exec('BEGIN')
    const counts = tables.map(({ name }) => ({
      table: name,
      rows: (sqlite.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n
    }))
    listener.start?.(counts)
    await copyTables(sqlite, store, tables, listener)
    sqlite.exec('COMMIT')
    await checkCounts(store, counts)
    return counts
  } finally {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK')
    sqlite.close()
    await store?.close()
  }
}

function openSource (file: string): Database.Database {
  if (file === '' || file === ':memory:') {
    throw new CopyError('copy_source', 'copy-to reads the SQLite database named by DATABASE_URL (a file)')
  }
  let sqlite: Database.Database
  try {
    sqlite = new Database(file, { fileMustExist: true })
  } catch {
    throw new NotFoundError('database', file)
  }
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('query_only = ON')
  const applied = (() => {
    try {
      return (sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n
    } catch {
      return 0
    }
  })()
  const expected = committed(migrationsDir)
  if (applied !== expected) {
    sqlite.close()
    throw new CopyError('copy_source', `the SQLite database has ${applied} of this version's ${expected} ` +
      'migrations: run `npm run puls -- migrate` on it with this version first')
  }
  return sqlite
}

/** Every table of both schemas, parents before the tables that refer to them. */
export function inCopyOrder (): Pair[] {
  const lite = new Map<string, SQLiteTable>()
  for (const value of Object.values(sqliteSchema)) {
    if (value instanceof SQLiteTable) lite.set(getTableName(value), value)
  }
  const pairs = new Map<string, Pair>()
  for (const value of Object.values(pgSchema)) {
    if (!(value instanceof PgTable)) continue
    const name = getTableName(value)
    const twin = lite.get(name)
    if (twin === undefined) throw new Error(`${name} has no SQLite table`)
    pairs.set(name, { name, sqlite: twin, pg: value })
  }
  const ordered: Pair[] = []
  const visit = (pair: Pair, path: string[]): void => {
    if (ordered.includes(pair)) return
    if (path.includes(pair.name)) throw new Error(`foreign keys form a cycle: ${path.join(' → ')}`)
    for (const fk of pgConfig(pair.pg).foreignKeys) {
      const parent = pairs.get(getTableName(fk.reference().foreignTable))
      if (parent !== undefined && parent !== pair) visit(parent, [...path, pair.name])
    }
    ordered.push(pair)
  }
  for (const pair of [...pairs.values()].sort((a, b) => a.name.localeCompare(b.name))) visit(pair, [])
  return ordered
}

async function refuseUnlessEmpty (store: PostgresStore): Promise<void> {
  const filled: string[] = []
  for (const { name } of inCopyOrder()) {
    const { rows } = await store.pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${name}"`)
    const n = Number(rows[0]?.n ?? 0)
    if (n > 0) filled.push(`${name}: ${n}`)
  }
  if (filled.length > 0) {
    throw new CopyError('copy_target_not_empty', `the target database already holds Puls data (${filled.join(', ')} ` +
      'rows); copy-to writes only into an empty database')
  }
}

/** The key columns a table is ordered by: its primary key. */
function keyColumns (table: SQLiteTable): string[] {
  const composite = sqliteConfig(table).primaryKeys[0]
  if (composite !== undefined) return composite.columns.map(c => c.name)
  return Object.values(getTableColumns(table)).filter(c => c.primary).map(c => c.name)
}

/** Bind parameters per statement stay under PostgreSQL's 65,535. */
const MAX_PARAMS = 30_000
const MAX_ROWS = 1000

async function copyTables (
  sqlite: Database.Database,
  store: PostgresStore,
  tables: Pair[],
  listener: CopyListener
): Promise<void> {
  let doneAll = 0
  await store.db.transaction(async tx => {
    for (const { name, sqlite: table, pg } of tables) {
      const columns = Object.entries(getTableColumns(table)) as Array<[string, Column]>
      const select = columns.map(([, c]) => `"${c.name}"`).join(', ')
      const order = keyColumns(table).map(c => `"${c}"`).join(', ')
      const batchSize = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMS / columns.length)))
      const statement = sqlite.prepare(`SELECT ${select} FROM "${name}" ORDER BY ${order}`)
      let batch: Array<Record<string, unknown>> = []
      let done = 0
      const flush = async (): Promise<void> => {
        if (batch.length === 0) return
        try {
          await tx.insert(pg).values(batch)
        } catch (err) {
          // drizzle's own message repeats the query's parameters: row contents. Only the table
          // and PostgreSQL's message (without its detail) go out.
          throw new CopyError('copy_failed', `copying ${name} failed: ${databaseMessage(err)}`)
        }
        done += batch.length
        doneAll += batch.length
        batch = []
        listener.rows?.(name, done, doneAll)
      }
      for (const raw of statement.iterate() as Iterable<Record<string, unknown>>) {
        const row: Record<string, unknown> = {}
        for (const [key, column] of columns) {
          const value = raw[column.name]
          row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value)
        }
        batch.push(row)
        if (batch.length >= batchSize) await flush()
      }
      await flush()
    }
  })
}

function databaseMessage (err: unknown): string {
  for (let e: unknown = err; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) {
    const { code, message } = e as { code?: unknown, message?: unknown }
    if (typeof code === 'string' && typeof message === 'string' && code === sqlState(e)) return `${message} (${code})`
  }
  return 'the database refused the rows'
}

async function checkCounts (store: PostgresStore, counts: CopyCount[]): Promise<void> {
  const differ: string[] = []
  for (const { table, rows } of counts) {
    const { rows: found } = await store.pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`)
    const n = Number(found[0]?.n ?? 0)
    if (n !== rows) differ.push(`${table}: ${rows} in SQLite, ${n} in PostgreSQL`)
  }
  if (differ.length > 0) throw new CopyError('copy_counts_differ', `counts differ after the copy: ${differ.join('; ')}`)
}
