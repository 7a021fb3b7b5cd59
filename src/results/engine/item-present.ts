import { RATING_SCALE, type StoredItem } from '../../surveys/items.js'
import type { ItemTotals } from './item-cells.js'
import { shareAdjustedWald } from './metrics.js'

// What a reader sees of an item in a cell (docs/results.md, "Items"): its numbers only where its
// own decision and the cell's allow, else only that it is suppressed (not even how many answered:
// with `show_if`, that would tell how many gave a low score).

export type ItemDefinition = Pick<StoredItem, 'key' | 'type' | 'retired' | 'options'>

const round = (x: number, digits: number): number => Number(x.toFixed(digits))
const percent = (x: number, n: number): number => round(100 * x / n, 1)

export function presentItem (item: ItemDefinition, t: ItemTotals): Record<string, unknown> {
  const shown = t.reason === null && t.n > 0
  const out: Record<string, unknown> = {
    type: item.type,
    retired: item.retired,
    answered: shown ? t.n : null,
    suppressed: !shown,
    suppression_reason: shown ? null : t.reason ?? 'below_min_group_size'
  }
  const count = (value: string): number => t.values.get(value) ?? 0
  if (item.type === 'yes_no') {
    const yes = count('yes')
    const ci = shareAdjustedWald(yes, t.n)
    const adjusted = { low: round(ci.low, 1), high: round(ci.high, 1) }
    out.yes_no = shown ? { yes, no: count('no'), percent: percent(yes, t.n), adjusted_wald: adjusted } : null
  } else if (item.type === 'rating') {
    const distribution: Array<{ score: number, count: number }> = []
    let sum = 0
    for (let s = RATING_SCALE.min; s <= RATING_SCALE.max; s++) {
      distribution.push({ score: s, count: count(String(s)) })
      sum += s * count(String(s))
    }
    const top = count('4') + count('5')
    out.rating = shown
      ? { mean: round(sum / t.n, 2), top_2_box: top, top_2_box_percent: percent(top, t.n), distribution }
      : null
  } else if (item.type === 'choice' || item.type === 'multi_choice') {
    out.options = shown
      ? (item.options ?? []).map(o => ({ key: o.key, count: count(o.key), percent: percent(count(o.key), t.n) }))
      : null
  }
  return out
}

/** Every item of the survey (retired ones too) in a cell, by key; null where the cell has no item results. */
export function presentItems (
  items: readonly ItemDefinition[], results: ReadonlyMap<string, ItemTotals> | undefined
): Record<string, unknown> | null {
  if (results === undefined) return null
  const none: ItemTotals = { n: 0, values: new Map(), reason: 'below_min_group_size' }
  return Object.fromEntries(items.map(item => [item.key, presentItem(item, results.get(item.key) ?? none)]))
}
