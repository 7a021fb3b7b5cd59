import type { ItemAnswers } from '../../responses/tables.js'
import type { ItemType, StoredItem } from '../../surveys/items.js'

// How item answers reach the results (docs/results.md, "Items"). An answer to a `yes_no` or
// `choice` item is one value, so it is kept beside the attributes as `item.<key>` in the rollups'
// combinations: filters and groupings by it then go through the same lattice and rules as any
// attribute. A `.` never appears in an attribute name, so `item.<key>` cannot be one.
// Every item's answers are also counted per value (response_item_counts). A `multi_choice` or
// `text` item also counts '' ("answered"); a single-valued item does not store it, as its answered
// count is the sum of its value rows (`withAnswered` adds it back when read): fewer rows for an
// answer to write (BENCHMARKS.md, "Answers with items").

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
 * Per item, the values an answer stores its counts under: its value (single-valued items), or ''
 * (answered) then its chosen options (multi_choice), or '' alone (text).
 */
export function countedValues (
  definitions: ItemDefinitions, answers: ItemAnswers | null | undefined
): Array<[item: string, value: string]> {
  const out: Array<[string, string]> = []
  if (answers == null) return out
  for (const item of definitions) {
    const value = answers[item.key]
    if (value === undefined || value === null) continue
    if (!singleValued(item.type)) out.push([item.key, ANSWERED])
    if (item.type === 'text') continue
    for (const v of Array.isArray(value) ? new Set(value) : [value]) out.push([item.key, String(v)])
  }
  return out
}

/** One row of item counts as stored: combination, item, value, answers, of those invited. */
type CountRow = [combo: string, item: string, value: string, n: number, invited: number]

/**
 * Item count rows with the '' (answered) rows of single-valued items added back: per combination
 * and item, the sum of its value rows. `rows` holds each (combination, item, value) once.
 */
export function withAnswered<Row extends CountRow> (rows: Row[], definitions: ItemDefinitions): Row[] {
  const single = new Set(definitions.filter(d => singleValued(d.type)).map(d => d.key))
  if (single.size === 0) return rows
  const answered = new Map<string, Map<string, Row>>()
  const out = [...rows]
  for (const [combo, item, value, n, invited] of rows) {
    if (!single.has(item) || value === ANSWERED) continue
    let byItem = answered.get(combo)
    if (byItem === undefined) answered.set(combo, byItem = new Map())
    const row = byItem.get(item)
    if (row === undefined) {
      const added = [combo, item, ANSWERED, n, invited] as Row
      byItem.set(item, added)
      out.push(added)
    } else {
      row[3] += n
      row[4] += invited
    }
  }
  return out
}
