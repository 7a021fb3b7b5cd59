import { is, sql, type Placeholder, type SQL, type SQLWrapper } from 'drizzle-orm'
import { PgDatabase } from 'drizzle-orm/pg-core'
import type { DbOrTx } from './client.js'
import type * as schema from './schema.js'

// The SQL that differs between SQLite and PostgreSQL, in one place (docs/postgres.md, "One set of
// repositories, two stores"). Repositories write drizzle queries against `tables(db)` and call
// these where the stores differ; nothing else in src/ asks which store it runs on.

/** Every table, typed as the SQLite ones (the reference; the PostgreSQL twins have equal rows). */
export type Tables = typeof schema

/**
 * The tables of the store `db` belongs to: the SQLite or the PostgreSQL table objects, same names.
 * Each drizzle handle (and each of its transactions) carries the schema it was opened with.
 */
export function tables (db: DbOrTx): Tables {
  return db._.fullSchema as Tables
}

/**
 * The answer per drizzle dialect object: `is()` walks the handle's prototype chain (about 0.5 µs on
 * SQLite, where it finds nothing), and repositories ask on every statement. Each drizzle instance
 * has its own dialect object, which its transactions share, so one answer each suffices.
 */
const postgresDialects = new WeakMap<object, boolean>()

/** true on the PostgreSQL store (its transactions included). */
export function isPostgres (db: DbOrTx): boolean {
  const dialect = (db as unknown as { dialect?: object }).dialect
  if (dialect === undefined) return is(db, PgDatabase)
  let postgres = postgresDialects.get(dialect)
  if (postgres === undefined) {
    postgres = is(db, PgDatabase)
    postgresDialects.set(dialect, postgres)
  }
  return postgres
}

interface PgHandle {
  execute: (query: SQL) => Promise<{ rows: unknown[], rowCount: number | null }>
}
const pg = (db: DbOrTx): PgHandle => db as unknown as PgHandle

// ---- Raw statements and their results

/** Every row of a raw statement, as objects keyed by the names the statement gives. */
export async function all<T> (db: DbOrTx, query: SQL): Promise<T[]> {
  if (isPostgres(db)) return (await pg(db).execute(query)).rows as T[]
  return await db.all<T>(query)
}

/** The first row of a raw statement. */
export async function get<T> (db: DbOrTx, query: SQL): Promise<T | undefined> {
  return (await all<T>(db, query))[0]
}

/** Runs a raw statement; the number of rows it changed. */
export async function run (db: DbOrTx, query: SQL): Promise<number> {
  if (isPostgres(db)) return (await pg(db).execute(query)).rowCount ?? 0
  return (await db.run(query)).changes
}

/**
 * Rows changed by an awaited INSERT, UPDATE or DELETE without `returning()`: SQLite answers
 * `{ changes }`, node-postgres `{ rowCount }`.
 */
export function changed (result: unknown): number {
  const r = result as { changes?: number, rowCount?: number | null }
  return r.changes ?? r.rowCount ?? 0
}

/**
 * A select's rows as arrays, columns in the order of its selection: the results' month reads
 * take many small rows, where arrays cost less than objects on SQLite.
 */
export async function valuesOf<T extends unknown[]> (
  query: PromiseLike<Array<Record<string, unknown>>> & { values?: () => unknown }
): Promise<T[]> {
  if (typeof query.values === 'function') return await (query.values() as unknown as Promise<T[]>)
  return (await query).map(row => Object.values(row) as T)
}

// ---- Expressions

/** The larger of two numbers (SQLite's two-argument `max`, PostgreSQL's `greatest`). */
export function greatest (db: DbOrTx, a: SQL, b: SQL): SQL {
  return isPostgres(db) ? sql`greatest(${a}, ${b})` : sql`max(${a}, ${b})`
}

/**
 * A JSON object of text values as a combination key, byte for byte what `comboOf`
 * (src/results/engine/cell-key.ts) builds: keys in code-point order, no spaces. Neither
 * `jsonb` (it reorders keys) nor `json_object_agg` (it adds spaces) may build it on PostgreSQL.
 */
export function comboSql (db: DbOrTx, attributes: SQL): SQL {
  if (isPostgres(db)) {
    return sql`(SELECT '{' || coalesce(string_agg(to_json(key)::text || ':' || to_json(value)::text, ','
      ORDER BY key COLLATE "C"), '') || '}' FROM jsonb_each_text(${attributes}))`
  }
  return sql`(SELECT json_group_object(key, value) FROM (SELECT key, value FROM json_each(${attributes}) ORDER BY key))`
}

/** The keys of a JSON object column, one row each, as `<alias>.key` (use in FROM after a comma). */
export function jsonKeys (db: DbOrTx, object: SQL, alias: string): SQL {
  return isPostgres(db)
    ? sql`jsonb_object_keys(${object}) AS ${sql.identifier(alias)}(key)`
    : sql`json_each(${object}) AS ${sql.identifier(alias)}`
}

/** The elements of a JSON array, one row each, as `<alias>.value` (JSON; use in FROM). */
export function jsonArray (db: DbOrTx, array: SQL | Placeholder, alias: string): SQL {
  return isPostgres(db)
    ? sql`jsonb_array_elements(${array}::jsonb) AS ${sql.identifier(alias)}(value)`
    : sql`json_each(${array}) AS ${sql.identifier(alias)}`
}

/** A JSON object column without the given top-level keys; null when nothing is left. */
export function jsonWithout (db: DbOrTx, object: SQL, keys: string[]): SQL {
  if (isPostgres(db)) {
    return sql`nullif(${object} - ${sql`ARRAY[${sql.join(keys.map(k => sql`${k}`), sql`, `)}]::text[]`}, '{}'::jsonb)`
  }
  // Keys are [a-z0-9_] where this is used (src/surveys/items.ts), so `$.<key>` is a plain JSON path.
  return sql`nullif(json_remove(${object}, ${sql.join(keys.map(k => sql`${`$.${k}`}`), sql`, `)}), '{}')`
}

/**
 * A subquery that picks rows to claim: on PostgreSQL it locks them and skips rows another
 * instance is claiming (`FOR UPDATE SKIP LOCKED`); SQLite has one writer, so it needs nothing.
 */
export function skipLocked<Q> (db: DbOrTx, query: Q): Q {
  if (!isPostgres(db)) return query
  return (query as unknown as { for: (s: 'update', o: { skipLocked: true }) => Q }).for('update', { skipLocked: true })
}

// ---- Results and targets (src/results, src/targets)

/**
 * A text column compared and ordered byte by byte, as SQLite compares text: PostgreSQL otherwise
 * follows the database's collation, which may put `B` next to `b` or skip `_`. For ORDER BY and
 * keyset comparisons whose order reaches a reader (CSV, API): both stores then give one order.
 */
export function byteOrder (db: DbOrTx, column: SQLWrapper): SQL {
  return isPostgres(db) ? sql`${column} COLLATE "C"` : sql`${column}`
}
