import Database from 'better-sqlite3'
import { sql, type SQL } from 'drizzle-orm'
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import fc from 'fast-check'
import pg from 'pg'
import t, { type Test } from 'tap'
import type { DbOrTx } from '../../src/db/client.js'
import { all as dbAll, byteOrder, comboSql, get as dbGet, isPostgres, run as dbRun } from '../../src/db/dialect.js'
import { byCodePoint, type CellKey, cellKey, comboOf, parseCombo } from '../../src/results/engine/cell-key.js'
import { startPostgres } from '../helpers/postgres.js'

// One spelling of a cell in memory, one of a combination in the database (docs/results.md), the
// same on both stores (docs/postgres.md).

const value = fc.oneof(
  fc.string(), fc.constant(null), fc.constant(undefined), fc.constantFrom('*', '-', '1:a', '\u0002')
)

const label = (cell: CellKey): string =>
  cell.map(v => v === undefined ? 'any' : v === null ? 'without' : JSON.stringify(v)).join(' ')

t.test('two cells share a key only when they are the same cell, whatever their values hold', async t => {
  fc.assert(fc.property(fc.array(value, { maxLength: 4 }), fc.array(value, { maxLength: 4 }), (a, b) => {
    const same = a.length === b.length && a.every((v, i) => v === b[i])
    return (cellKey(a) === cellKey(b)) === same
  }), { numRuns: 5000 })
  // What the old spelling (NUL-separated, STX for "any") let a value forge.
  const pairs: Array<[CellKey, CellKey]> = [
    [['\u0002'], [undefined]], [['\u0001'], [null]], [['*'], [undefined]], [['-'], [null]],
    [['a\u0000b'], ['a', 'b']], [['1:a'], ['a']], [['a', '1:b'], ['a1:b']]
  ]
  for (const [a, b] of pairs) t.not(cellKey(a), cellKey(b), `${label(a)} is not ${label(b)}`)
})

// Awkward attributes: quotes, backslashes, control characters, characters on both sides of the
// surrogates (UTF-16 and the stores order them differently), emoji, keys a JavaScript object or a
// collation would reorder ("0" before "a", "B" beside "b", "_" skipped). No NUL: PostgreSQL text
// cannot hold it, and attribute values refuse control characters anyway (src/invitations/schemas.ts).
const AWKWARD: Array<Record<string, string>> = [
  {},
  { b: '2', a: '1' },
  { '"q"': 'say "hi"', 'back\\slash': 'C:\\dir\\', 'a/b': '</script>' },
  { a: 'line\nbreak\ttab\r\b\f', b: '\u0001\u001f\u007f', c: '\u2028\u2029\u0085' },
  { ä: 'ø', é: '€', ß: 'ẞ', Ａ: '\ufffd', 日本: '語' },
  { '😀': '👍🏽', Ａ: 'fullwidth', '\ue000': 'private use', '\u{10ffff}': 'last' },
  { b: 'x', B: 'y', a_b: 'z', ab: 'w', _: 'u', '-': 'h', 0: 'zero', 10: 'ten', 9: 'nine', A: 'cap', '': 'empty' },
  { agent: '{"nested":"json"}', team: 'a,b:c', 'key with space': ' padded ', x: '' }
]

const text = fc.string({
  unit: fc.constantFrom(...'abcXYZ09 _-:"\\/äöø€\uff21\u0001\n\t\u007f', '😀', '\u{1f3fd}'), maxLength: 6
})

/** For a test's name: a raw line separator would end the line of the test's report. */
const ascii = (o: object): string =>
  JSON.stringify(o).replace(/[^\x20-\x7e]/gu, c => `<U+${c.codePointAt(0)!.toString(16).toUpperCase()}>`)

/** The stored spelling of `attributes` as `db` builds it in SQL (dialect comboSql). */
async function storedCombo (db: DbOrTx, attributes: Record<string, string>): Promise<string> {
  const json = JSON.stringify(attributes)
  const param: SQL = isPostgres(db) ? sql`${json}::jsonb` : sql`${json}`
  return (await dbGet<{ combo: string }>(db, sql`SELECT ${comboSql(db, param)} AS combo`))!.combo
}

async function checkCombos (t: Test, db: DbOrTx): Promise<void> {
  for (const attributes of AWKWARD) {
    const stored = await storedCombo(db, attributes)
    t.equal(stored, comboOf(attributes), `SQL spells ${ascii(attributes)} as comboOf does`)
    t.same(parseCombo(stored), attributes, 'and it parses back')
  }
  await fc.assert(fc.asyncProperty(fc.dictionary(text, text, { maxKeys: 5 }), async attributes => {
    const stored = await storedCombo(db, attributes)
    const parsed = parseCombo(stored)
    return stored === comboOf(attributes) && Object.keys(parsed).every(k => parsed[k] === attributes[k]) &&
      Object.keys(parsed).length === Object.keys(attributes).length
  }), { numRuns: 300 })
}

/** Text values ordered by `db` in byte order (dialect byteOrder), against code-point order. */
async function checkOrder (t: Test, db: DbOrTx): Promise<void> {
  const values = ['b', 'B', 'a_c', 'ab', 'a', '_', '-', '10', '9', 'é', 'f', '\uff21', '😀', 'Z', 'a b']
  const rows = sql.join(values.map(v => sql`SELECT ${v} AS v`), sql` UNION ALL `)
  const ordered = await dbAll<{ v: string }>(db, sql`SELECT v FROM (${rows}) AS t ORDER BY ${byteOrder(db, sql`v`)}`)
  t.same(ordered.map(r => r.v), [...values].sort(byCodePoint), 'ordered byte by byte')
}

// Both stores in one run, whatever PULS_TEST_STORE says: SQLite in memory, and a throwaway
// PostgreSQL cluster with a database in byte order (`C`, as the test clusters) and one whose
// collation is not (ICU), where only what the dialect orders explicitly stays in byte order.

t.test('on SQLite the stored combination is spelled as comboOf spells it, and parses back', async t => {
  const sqlite = new Database(':memory:')
  t.teardown(() => sqlite.close())
  const db = drizzleSqlite(sqlite) as unknown as DbOrTx
  await checkCombos(t, db)
  await checkOrder(t, db)
  t.equal(comboOf({ b: '2', a: '1' }), '{"a":"1","b":"2"}')
  t.equal(comboOf({}), '{}')
})

t.test('on PostgreSQL too, also in a database whose collation is not byte order', async t => {
  const { url } = await startPostgres(t)
  const open = (database: string): DbOrTx => {
    const pool = new pg.Pool({ connectionString: url.replace(/\/postgres$/, `/${database}`), max: 1 })
    // An idle connection ended by the cluster's own teardown is no failure of this test.
    pool.on('error', () => {})
    t.teardown(() => pool.end())
    return drizzlePg(pool) as unknown as DbOrTx
  }
  const plain = open('postgres')
  await checkCombos(t, plain)
  await checkOrder(t, plain)
  await dbRun(plain,
    sql.raw("CREATE DATABASE combo_icu TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'und' LOCALE 'C'"))
  const icu = open('combo_icu')
  // The precondition: this database orders text unlike SQLite (`B` after `a`, `_` not first).
  const order = await dbAll<{ v: string }>(icu,
    sql`SELECT v FROM (VALUES ('B'), ('a'), ('_b'), ('a_')) AS t(v) ORDER BY v`)
  t.not(order.map(r => r.v).join(' '), ['B', 'a', '_b', 'a_'].sort(byCodePoint).join(' '), 'the collation is not bytes')
  await checkCombos(t, icu)
  await checkOrder(t, icu)
})
