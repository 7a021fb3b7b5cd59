import Database from 'better-sqlite3'
import { sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/better-sqlite3'
import fc from 'fast-check'
import t from 'tap'
import { type CellKey, cellKey, comboOf, comboSql, parseCombo } from '../../src/results/engine/cell-key.js'

// One spelling of a cell in memory, one of a combination in the database (docs/results.md).

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

t.test('the stored combination is spelled alike by the answer path and by SQL, and parses back', async t => {
  const sqlite = new Database(':memory:')
  t.teardown(() => sqlite.close())
  const db = drizzle(sqlite)
  // Printable text, with keys such as "0" (a JavaScript object puts them first) and characters on
  // both sides of the surrogates (UTF-16 and SQLite order them differently).
  const text = fc.string({ unit: fc.constantFrom(...'abcXYZ09 _-:"\\/äöø€\uff21😀'), maxLength: 6 })
  fc.assert(fc.property(fc.dictionary(text, text, { maxKeys: 5 }), attributes => {
    const json = JSON.stringify(attributes)
    const stored = db.get<{ combo: string }>(sql`SELECT ${comboSql(sql`${json}`)} AS combo`).combo
    const parsed = parseCombo(stored)
    return stored === comboOf(attributes) && Object.keys(parsed).every(k => parsed[k] === attributes[k]) &&
      Object.keys(parsed).length === Object.keys(attributes).length
  }), { numRuns: 500 })
  t.equal(comboOf({ b: '2', a: '1' }), '{"a":"1","b":"2"}')
  t.equal(comboOf({}), '{}')
})
