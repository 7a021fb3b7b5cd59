import { getTableColumns, getTableName, is, Table } from 'drizzle-orm'
import { getTableConfig as pgConfig, PgTable } from 'drizzle-orm/pg-core'
import { getTableConfig as sqliteConfig, SQLiteTable } from 'drizzle-orm/sqlite-core'
import t from 'tap'
import * as pg from '../src/db/schema.pg.js'
import * as sqlite from '../src/db/schema.js'

// Every table exists twice, src/<domain>/tables.ts for SQLite and tables.pg.ts for PostgreSQL
// (docs/postgres.md). Repositories are typed against the SQLite tables and run on both, so the
// two must describe the same rows: the types below fail `npm run typecheck` when a row type differs,
// and the test compares what the types cannot see (names, keys, defaults, indexes).

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false
type TablesOf<S> = { [K in keyof S as S[K] extends Table ? K : never]: S[K] }
type Sqlite = TablesOf<typeof sqlite>
type Pg = TablesOf<typeof pg>
type Select<T> = T extends Table ? T['$inferSelect'] : never
type Insert<T> = T extends Table ? T['$inferInsert'] : never

/** The tables whose select or insert row differs between the stores, or that one store lacks. */
type Differing =
  | Exclude<keyof Sqlite, keyof Pg>
  | Exclude<keyof Pg, keyof Sqlite>
  | {
    [K in keyof Sqlite & keyof Pg]:
    Equal<Select<Sqlite[K]>, Select<Pg[K]>> extends true
      ? Equal<Insert<Sqlite[K]>, Insert<Pg[K]>> extends true ? never : K
      : K
  }[keyof Sqlite & keyof Pg]

// `npm run typecheck` names the differing table here.
const sameRows: [Differing] extends [never] ? true : Differing = true

const sqliteTables = Object.entries(sqlite as Record<string, unknown>)
  .filter((e): e is [string, SQLiteTable] => is(e[1], SQLiteTable))
const pgTables = Object.entries(pg as Record<string, unknown>).filter((e): e is [string, PgTable] => is(e[1], PgTable))

t.test('both stores declare the same tables', async t => {
  t.ok(sameRows)
  t.same(pgTables.map(([k]) => k).sort(), sqliteTables.map(([k]) => k).sort())
  t.same(pgTables.map(([, v]) => getTableName(v)).sort(), sqliteTables.map(([, v]) => getTableName(v)).sort())
  t.ok(sqliteTables.length >= 20, `${sqliteTables.length} tables`)
})

interface ForeignKeyLike {
  reference: () => { columns: Named[], foreignTable: Table, foreignColumns: Named[] }
  onDelete?: string | undefined
}
interface Named { name: string }
interface IndexLike { config: { name?: string | undefined, unique: boolean, columns: unknown[] } }

/** What a column is, in terms both dialects share. */
function describe (table: Table): Record<string, unknown> {
  return Object.fromEntries(Object.values(getTableColumns(table)).map(c => [c.name, {
    // The JavaScript type: string, number, date (timestamps in both), json.
    dataType: c.dataType === 'custom' && c.getSQLType() === 'bigint' ? 'date' : c.dataType,
    notNull: c.notNull,
    hasDefault: c.hasDefault,
    primary: c.primary,
    unique: c.isUnique,
    enumValues: c.enumValues ?? null
  }]))
}

for (const [key, lite] of sqliteTables) {
  const twin = (pg as Record<string, unknown>)[key]
  if (!is(twin, PgTable)) continue
  t.test(`${getTableName(lite)}: the same columns, keys, indexes and references`, async t => {
    t.same(describe(twin), describe(lite))
    const a = sqliteConfig(lite)
    const b = pgConfig(twin)
    const keys = (list: Array<{ columns: Named[] }>): string[][] => list.map(k => k.columns.map(c => c.name))
    t.same(keys(b.primaryKeys), keys(a.primaryKeys))
    const indexes = (list: IndexLike[]): unknown[] =>
      list.map(i => ({
        name: i.config.name,
        unique: i.config.unique,
        columns: i.config.columns.map(c => (c as { name: string }).name)
      })).sort((x, y) => String(x.name).localeCompare(String(y.name)))
    t.same(indexes(b.indexes), indexes(a.indexes))
    const refs = (list: ForeignKeyLike[]): unknown[] =>
      list.map(fk => {
        const r = fk.reference()
        return {
          columns: r.columns.map(c => c.name),
          table: getTableName(r.foreignTable),
          to: r.foreignColumns.map(c => c.name),
          onDelete: fk.onDelete ?? 'no action'
        }
      }).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)))
    t.same(refs(b.foreignKeys), refs(a.foreignKeys))
  })
}

t.test('no PostgreSQL column is serial or an identity: a sequence would order rows by arrival', async t => {
  const sequenced = pgTables.flatMap(([, table]) => Object.values(getTableColumns(table))
    .filter(c => /serial/i.test(c.getSQLType()) ||
      (c as { generatedIdentity?: unknown }).generatedIdentity !== undefined)
    .map(c => `${getTableName(table)}.${c.name}`))
  t.same(sequenced, [])
})
