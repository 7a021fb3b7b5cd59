// How a cell and a combination of attributes are spelled, in one place (docs/results.md).
//  - Stored: an answer's attributes as JSON with its keys sorted (`combo` in response_combos and
//    response_combo_scores), written by comboOf, or by comboSql (src/db/dialect.ts) inside a
//    statement. Readers parse it (parseCombo), so a row spelled in another key order still adds up.
//  - In memory: a cell, one value per key, as cellKey spells it. Every value is written with its
//    length in front, so the spelling needs no separator or marker that an attribute value could
//    also contain: no value, whatever its characters, can pass for "any" or for another cell.

/** Per key: a value, null for answers without the attribute, or undefined for "any". */
export type CellKey = ReadonlyArray<string | null | undefined>

/** The in-memory key of a cell: `*` for "any", `-` for "without", else `<length>:<value>`. */
export function cellKey (cell: CellKey): string {
  let key = ''
  for (const v of cell) key += v === undefined ? '*' : v === null ? '-' : `${v.length}:${v}`
  return key
}

/**
 * The stored spelling of an answer's attributes: JSON with its keys in code point order, as both
 * stores order them (comboSql in src/db/dialect.ts), `{}` without any. Written out key by key: a
 * JSON.stringify of an object would put keys such as "7" first, whatever the order they were given in.
 */
export function comboOf (attributes: Record<string, string>): string {
  const keys = Object.keys(attributes).sort(byCodePoint)
  return `{${keys.map(k => `${JSON.stringify(k)}:${JSON.stringify(attributes[k])}`).join(',')}}`
}

/** Compares strings by code point, as both stores compare text (UTF-8 bytes), unlike `<` on UTF-16 units. */
export function byCodePoint (a: string, b: string): number {
  for (let i = 0; ; i++) {
    const x = a.codePointAt(i)
    const y = b.codePointAt(i)
    if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? -1 : 1
    if (x !== y) return x - y
    if (x > 0xffff) i++
  }
}

/** The attributes of a stored combination (its keys in any order). */
export function parseCombo (combo: string): Record<string, string> {
  return JSON.parse(combo) as Record<string, string>
}
