import { type CellKey, cellKey, parseCombo, comboOf } from './cell-key.js'
import { ANSWERED, isItemKey, itemOfKey } from './item-values.js'
import { type CubeRow, suppressLattice } from './lattice.js'
import type { SuppressionReason } from './suppression.js'

// Item results in a month's cells (docs/results.md, "Items"). Each item gets its own lattice over
// the question's attributes, decided on the people who answered it, with the same rules as the
// score's: a cell whose item answers come from fewer than the minimum is suppressed for that item,
// and complementary suppression runs in every grouping. The month's item total is public when it
// holds at least the minimum (whole-survey questions show it), else everything is suppressed.
// Item lattices have no release-block key: item results are shown per complete month only, never
// per block, day or week.

/** One row of item counts: combination (attributes and item values), item, value ('' answered). */
export type ItemCountRow = [combo: string, item: string, value: string, n: number, invited: number]

export interface ItemCell {
  /** The people who answered the item in the cell, at least (what the lattice decided on). */
  people: number
  reason: SuppressionReason | null
  /** Answers to the item, and per value. */
  n: number
  values: Map<string, number>
}

/** Per item key, per cell key. */
export type MonthItemCells = Map<string, Map<string, ItemCell>>

/** Per combination over the month: answers, invited, and people (a share of its clients). */
export interface ComboPeople { n: number, invited: number, people: number }

/**
 * Decides every item's cells in one month. `combos`: the month's combinations with their answers
 * and people; `project`: a combination's values on the question's keys.
 */
export function itemCells (
  rows: readonly ItemCountRow[], combos: ReadonlyMap<string, ComboPeople>, keys: number,
  project: (combo: string) => ReadonlyArray<string | null>, min: number
): MonthItemCells {
  // Clients per combination of attributes (without item values) and its collector answers: the
  // people who answered an item in a combination are at least its invited answers to the item
  // plus the clients less the collector answers that did not answer it (docs/anonymity.md,
  // padding): one address answering many times never counts as several people.
  const attributes = new Map<string, { clients: number, collector: number }>()
  const attributesOf = new Map<string, string>()
  for (const [combo, c] of combos) {
    const key = comboOf(Object.fromEntries(Object.entries(parseCombo(combo)).filter(([k]) => !isItemKey(k))))
    attributesOf.set(combo, key)
    let a = attributes.get(key)
    if (a === undefined) attributes.set(key, a = { clients: 0, collector: 0 })
    a.clients += c.people - c.invited
    a.collector += c.n - c.invited
  }
  const byItem = new Map<string, ItemCountRow[]>()
  for (const row of rows) {
    let list = byItem.get(row[1])
    if (list === undefined) byItem.set(row[1], list = [])
    list.push(row)
  }
  const out: MonthItemCells = new Map()
  for (const [item, list] of byItem) {
    const cube: CubeRow[] = []
    let total = 0
    for (const [combo, , value, n, invited] of list) {
      if (value !== ANSWERED || n === 0) continue
      const a = attributes.get(attributesOf.get(combo) ?? comboOf(parseCombo(combo)))
      const clients = a === undefined ? 0 : Math.max(0, a.clients - (a.collector - (n - invited)))
      const people = invited + Math.min(n - invited, clients)
      total += people
      cube.push({ values: project(combo), n: people })
    }
    // The root is public (whole-survey questions show it) when it holds the minimum; else every
    // cell of the item is suppressed that month.
    const lattice = suppressLattice(keys, cube, total < min ? Number.MAX_SAFE_INTEGER : min, keys)
    const below = total < min
    const cells = new Map<string, ItemCell>()
    for (const [combo, , value, n] of list) {
      const values = project(combo)
      for (let mask = 0; mask < 1 << keys; mask++) {
        const cell: CellKey = values.map((v, k) => (mask & (1 << k)) === 0 ? undefined : v)
        const id = cellKey(cell)
        let c = cells.get(id)
        if (c === undefined) {
          cells.set(id, c = {
            people: lattice.n(cell),
            reason: below ? 'below_min_group_size' : lattice.reason(cell),
            n: 0,
            values: new Map()
          })
        }
        if (value === ANSWERED) c.n += n
        else c.values.set(value, (c.values.get(value) ?? 0) + n)
      }
    }
    out.set(item, cells)
  }
  return out
}

/** An item's result over several months of one cell, before presentation. */
export interface ItemTotals {
  n: number
  values: Map<string, number>
  reason: SuppressionReason | null
}

/**
 * One item in one cell over the given months: shown only where every month with answers to it
 * shows it (else `period`), and only where the cell itself is shown (`cellReason`).
 */
export function itemOver (
  cell: CellKey, months: ReadonlyArray<{ items: MonthItemCells }>, item: string, cellReason: SuppressionReason | null
): ItemTotals {
  const values = new Map<string, number>()
  let n = 0
  const reasons: Array<SuppressionReason | null> = []
  for (const { items } of months) {
    const c = items.get(item)?.get(cellKey(cell))
    if (c === undefined || c.n === 0) continue
    n += c.n
    reasons.push(c.reason)
    for (const [v, x] of c.values) values.set(v, (values.get(v) ?? 0) + x)
  }
  const own: SuppressionReason | null = reasons.length === 0
    ? 'below_min_group_size'
    : reasons.every(r => r === null) ? null : reasons.length === 1 ? reasons[0]! : 'period'
  return { n, values, reason: cellReason ?? own }
}

/**
 * Whether a cell that fixes item values may show its count: its count is a count of those items'
 * answers, so only where each such item's result is shown in the cell around it (the same cell,
 * that item's key left as "any"), whose answers per value include this count.
 */
export function countShown (
  keys: readonly string[], cell: CellKey, result: (cell: CellKey, item: string) => ItemTotals
): boolean {
  return keys.every((key, k) => {
    if (!isItemKey(key) || cell[k] === undefined) return true
    const around = cell.map((v, j) => j === k ? undefined : v)
    return result(around, itemOfKey(key)).reason === null
  })
}
