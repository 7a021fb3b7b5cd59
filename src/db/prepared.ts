import { sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from './client.js'

/**
 * A query prepared once per database handle and reused: building a drizzle query into SQL and
 * preparing it with SQLite costs more than running it (BENCHMARKS.md, "where an answer's time
 * goes"). The answer path runs with the connection's own handle (src/db/group-commit.ts), so its
 * statements are built once per process; a transaction handle gets its own, built on first use.
 * Values go in through `sql.placeholder`; a placeholder in a WHERE clause is bound as is (no
 * column mapping), so callers pass driver values there (a Date as its milliseconds).
 */
export function preparedPerHandle<Q> (build: (db: DbOrTx) => Q): (db: DbOrTx) => Q {
  const cache = new WeakMap<DbOrTx, Q>()
  return db => {
    let query = cache.get(db)
    if (query === undefined) {
      query = build(db)
      cache.set(db, query)
    }
    return query
  }
}

/**
 * A row of placeholders for every column in `columns` (a record, so the type checks none is
 * missing), for an INSERT prepared once. Each is bound as is, without the column's mapping: the
 * caller passes driver values (a Date as its milliseconds, JSON as its text, null as null).
 */
export function placeholdersOf<Row> (columns: Record<keyof Row, true>): RawRow<Row> {
  return Object.fromEntries(Object.keys(columns).map(c => [c, sql`${sql.placeholder(c)}`])) as RawRow<Row>
}
type RawRow<Row> = { [K in keyof Row]-?: SQL }
