import type { ItemAnswers } from '../../responses/tables.js'
import type { ItemType, StoredItem } from '../../surveys/items.js'

// How item answers reach the results (docs/results.md, "Items"). An answer to a `yes_no` or
// `choice` item is one value, so it is kept beside the attributes as `item.<key>` in the rollups'
// combinations: filters and groupings by it then go through the same lattice and rules as any
// attribute. A `.` never appears in an attribute name, so `item.<key>` cannot be one.
// Every item's answers are also counted per value (response_item_counts), with '' for "answered".

export const ITEM_PREFIX = 'item.'
/** The value counted once per answer that answered the item, whatever its value. */
export const ANSWERED = ''

/** Whether a filter or group_by key names an item's answer rather than an attribute. */
export const isItemKey = (key: string): boolean => key.startsWith(ITEM_PREFIX)
export const itemOfKey = (key: string): string => key.slice(ITEM_PREFIX.length)

/** Item types whose answer is one value, which can be filtered and grouped by like an attribute. */
export const groupable = (type: ItemType): boolean => type === 'yes_no' || type === 'choice'

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

/** Per item, the values an answer counts under: '' (answered), then its value or chosen options. */
export function countedValues (
  definitions: ItemDefinitions, answers: ItemAnswers | null | undefined
): Array<[item: string, value: string]> {
  const out: Array<[string, string]> = []
  if (answers == null) return out
  for (const item of definitions) {
    const value = answers[item.key]
    if (value === undefined || value === null) continue
    out.push([item.key, ANSWERED])
    if (item.type === 'text') continue
    for (const v of Array.isArray(value) ? new Set(value) : [value]) out.push([item.key, String(v)])
  }
  return out
}
