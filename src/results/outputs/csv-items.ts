import { and, asc, eq, gt, gte, like, lte, or } from 'drizzle-orm'
import type { DbOrTx } from '../../db/client.js'
import { byteOrder, tables } from '../../db/dialect.js'
import type { ItemAnswers } from '../../responses/tables.js'
import type { StoredItem } from '../../surveys/items.js'
import type { MonthCells } from '../engine/attributes.js'
import { type CellKey, cellKey, parseCombo } from '../engine/cell-key.js'
import { groupable, ITEM_PREFIX, isItemKey, itemOfKey } from '../engine/item-values.js'

// The CSV export's item columns (docs/results.md, "CSV export"). An answer to a yes/no or choice
// item is a class of rows like an attribute (`item.<key>`, decided on the month's lattice with the
// attributes); a rating or multi-choice answer shows in a row only where the results API shows
// that item's result for the row's class, so the file tells nothing about an item's answers the
// API does not. Text answers are not exported (the API and the report show only their count).

/** Shown in an item column where the row's class does not show that item's result. */
export const HIDDEN = '(hidden)'

/** The items that get columns: every item but text ones, retired ones too when answered. */
export function exportedItems (items: readonly StoredItem[], answered: ReadonlySet<string>): StoredItem[] {
  return items.filter(i => i.type !== 'text' && (!i.retired || answered.has(i.key)))
}

/** The lattice keys of the groupable items: `item.<key>`. */
export const itemKeys = (items: readonly StoredItem[]): string[] =>
  items.filter(i => groupable(i.type)).map(i => `${ITEM_PREFIX}${i.key}`)

/** The header: one column per item, a multi-choice item one per option (`item.<key>.<option>`). */
export function itemHeader (items: readonly StoredItem[]): string[] {
  return items.flatMap(i => i.type === 'multi_choice'
    ? (i.options ?? []).map(o => `${ITEM_PREFIX}${i.key}.${o.key}`)
    : [`${ITEM_PREFIX}${i.key}`])
}

/**
 * Whether a class that fixes item values may show: its count is a count of those items' answers,
 * so only where each such item's result shows in the class around it (that item left as "any"),
 * as the results API decides a cell of item answers.
 */
export function itemClassShown (cells: MonthCells, columns: readonly string[], cell: CellKey): boolean {
  return columns.every((key, k) => {
    if (!isItemKey(key) || cell[k] === undefined) return true
    const around = cell.map((v, j) => (j === k ? undefined : v))
    return cells.items.get(itemOfKey(key))?.get(cellKey(around))?.reason === null
  })
}

/**
 * Per item, whether the month's rest (rows whose class is not shown) may show it: where the month
 * shows the item and every shown class does, the rest is the month minus those, which the API's
 * numbers add up to anyway.
 */
export function restShown (
  cells: MonthCells, columns: readonly string[], items: readonly StoredItem[], shownCells: readonly CellKey[]
): Set<string> {
  const root = cellKey(columns.map(() => undefined))
  const out = new Set<string>()
  for (const item of items) {
    const decided = cells.items.get(item.key)
    if (decided?.get(root)?.reason !== null) continue
    if (shownCells.every(c => decided.get(cellKey(c))?.reason === null)) out.add(item.key)
  }
  return out
}

/**
 * A row's item fields. A yes/no or choice item is a class key: its field is what `classValue`
 * gives (the value where the class shows, else (other)). Any other item shows its answer ('' when
 * unanswered) where `shown`, else HIDDEN in every column, answered or not.
 */
export function itemFields (
  items: readonly StoredItem[], answers: ItemAnswers | null, shown: (item: StoredItem) => boolean,
  classValue: (item: StoredItem) => string
): string[] {
  const out: string[] = []
  for (const item of items) {
    if (groupable(item.type)) {
      out.push(classValue(item))
      continue
    }
    const value = answers?.[item.key]
    const visible = shown(item)
    if (item.type === 'multi_choice') {
      for (const o of item.options ?? []) {
        out.push(!visible ? HIDDEN : value == null ? '' : (value as string[]).includes(o.key) ? '1' : '0')
      }
    } else out.push(!visible ? HIDDEN : value == null ? '' : String(value))
  }
  return out
}

export interface ItemExportRow {
  id: string
  score: number
  comment: string | null
  day: string
  attributes: Record<string, string>
  items: ItemAnswers | null
}

/** One page of a period's answers with their item answers, by score and random id (as answersPage). */
export async function answersWithItemsPage (
  db: DbOrTx, surveyId: string, period: { from: string, to: string }, after: { score: number, id: string } | null,
  limit: number
): Promise<ItemExportRow[]> {
  const { responses } = tables(db)
  const where = [eq(responses.surveyId, surveyId), gte(responses.day, period.from), lte(responses.day, period.to)]
  // Text in byte order on both stores: the file's order is the same whichever store it comes from.
  const byId = byteOrder(db, responses.id)
  if (after !== null) {
    where.push(or(gt(responses.score, after.score), and(eq(responses.score, after.score), gt(byId, after.id)))!)
  }
  const { id, score, comment, day, attributes, items } = responses
  return await db.select({ id, score, comment, day, attributes, items })
    .from(responses).where(and(...where)).orderBy(asc(responses.score), asc(byId)).limit(limit)
}

/**
 * The keys of the items the survey's answers answered, from the rollups (not the answers): the
 * item counts, and the combinations that carry yes/no and choice answers (engine/item-values.ts).
 */
export async function answeredItems (db: DbOrTx, surveyId: string): Promise<Set<string>> {
  const { responseItemCounts: counts, responseComboScores: scores } = tables(db)
  const rows = await db.selectDistinct({ item: counts.item }).from(counts).where(eq(counts.surveyId, surveyId))
  const answered = new Set(rows.map(r => r.item))
  const combos = await db.selectDistinct({ combo: scores.combo }).from(scores)
    .where(and(eq(scores.surveyId, surveyId), like(scores.combo, `%"${ITEM_PREFIX}%`)))
  for (const { combo } of combos) {
    for (const key of Object.keys(parseCombo(combo))) if (isItemKey(key)) answered.add(itemOfKey(key))
  }
  return answered
}
