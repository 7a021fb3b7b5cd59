import type { ItemAnswers } from '../../responses/tables.js'
import type { ItemType, StoredItem } from '../../surveys/items.js'
import { parseCombo } from './cell-key.js'
import { type Distribution, total } from './metrics.js'

// How item answers reach the results (docs/results.md, "Items"). An answer to a `yes_no` or
// `choice` item is one value, so it is kept beside the attributes as `item.<key>` in the rollups'
// combinations: filters and groupings by it then go through the same lattice and rules as any
// attribute. A `.` never appears in an attribute name, so `item.<key>` cannot be one.
// The other items' answers are counted per value (response_item_counts); a `multi_choice` or
// `text` item also counts '' ("answered"). What is not stored is derived when read (`withDerived`):
// a yes/no or choice item's value counts from its combinations, a single-valued item's '' count
// as the sum of its values. Each value is stored once, and an answer writes fewer rows
// (BENCHMARKS.md, "Answers with items"; migrations 0020 and 0021).

export const ITEM_PREFIX = 'item.'
/** The value counted once per answer that answered the item, whatever its value. */
export const ANSWERED = ''

/** Whether a filter or group_by key names an item's answer rather than an attribute. */
export const isItemKey = (key: string): boolean => key.startsWith(ITEM_PREFIX)
export const itemOfKey = (key: string): string => key.slice(ITEM_PREFIX.length)

/** Item types whose answer is one value, which can be filtered and grouped by like an attribute. */
export const groupable = (type: ItemType): boolean => type === 'yes_no' || type === 'choice'

/** Item types whose answer is exactly one value: their '' (answered) count is not stored. */
export const singleValued = (type: ItemType): boolean => type === 'yes_no' || type === 'rating' || type === 'choice'

export type ItemDefinitions = ReadonlyArray<Pick<StoredItem, 'key' | 'type'>>

/** The `item.<key>` values an answer adds to its combination of attributes. */
export function groupValues (
  definitions: ItemDefinitions, answers: ItemAnswers | null | undefined
): Record<string, string> {
  const out: Record<string, string> = {}
  if (answers == null) return out
  for (const item of definitions) {
    const value = answers[item.key]
    if (groupable(item.type) && typeof value === 'string') out[`${ITEM_PREFIX}${item.key}`] = value
  }
  return out
}

/**
 * Per item, the values an answer stores its counts under: a rating's value, or '' (answered) then
 * its chosen options (multi_choice), or '' alone (text). Yes/no and choice items store none: their
 * value is in the answer's combination (`groupValues`).
 */
export function countedValues (
  definitions: ItemDefinitions, answers: ItemAnswers | null | undefined
): Array<[item: string, value: string]> {
  const out: Array<[string, string]> = []
  if (answers == null) return out
  for (const item of definitions) {
    const value = answers[item.key]
    if (value === undefined || value === null || groupable(item.type)) continue
    if (!singleValued(item.type)) out.push([item.key, ANSWERED])
    if (item.type === 'text') continue
    for (const v of Array.isArray(value) ? new Set(value) : [value]) out.push([item.key, String(v)])
  }
  return out
}

/** One row of item counts: combination, item, value, answers, of those invited. */
type CountRow = [combo: string, item: string, value: string, n: number, invited: number]

/**
 * Item count rows as the results read them: the stored rows, plus the rows of yes/no and choice
 * items from the combinations (`combos`: the month's distribution and invited answers per
 * combination), plus the '' (answered) rows of single-valued items, per combination and item the
 * sum of its value rows. `rows` holds each (combination, item, value) once; rows of a yes/no or
 * choice item in it (an older instance may still write them) are left out, as their combinations
 * count them already.
 */
export function withDerived (
  rows: readonly CountRow[], definitions: ItemDefinitions,
  combos: ReadonlyMap<string, { dist: Distribution, invited: number }>
): CountRow[] {
  const fromCombos = definitions.filter(d => groupable(d.type)).map(d => d.key)
  const single = new Set(definitions.filter(d => singleValued(d.type)).map(d => d.key))
  const out = rows.filter(row => !fromCombos.includes(row[1]))
  if (fromCombos.length > 0) {
    for (const [combo, { dist, invited }] of combos) {
      const attributes = parseCombo(combo)
      const n = total(dist)
      for (const key of fromCombos) {
        const name = `${ITEM_PREFIX}${key}`
        if (Object.hasOwn(attributes, name)) out.push([combo, key, attributes[name]!, n, invited])
      }
    }
  }
  if (single.size === 0) return out
  const answered = new Map<string, Map<string, CountRow>>()
  for (const [combo, item, value, n, invited] of [...out]) {
    if (!single.has(item) || value === ANSWERED) continue
    let byItem = answered.get(combo)
    if (byItem === undefined) answered.set(combo, byItem = new Map())
    const row = byItem.get(item)
    if (row === undefined) {
      const added: CountRow = [combo, item, ANSWERED, n, invited]
      byItem.set(item, added)
      out.push(added)
    } else {
      row[3] += n
      row[4] += invited
    }
  }
  return out
}
