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
