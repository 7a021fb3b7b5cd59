// The suppression rules of docs/anonymity.md as pure functions. A cell is any aggregate a reader
// can see: a total, a group, a time bucket. Its count may always show; its scores only when no
// rule below suppresses it.

export type SuppressionReason =
  /** Fewer answers than the survey's minimum group size. */
  | 'below_min_group_size'
  /** Suppressed too, so that the suppressed cells cannot be derived from the total. */
  | 'complementary'
  /** Over several months, at least one of which does not show this cell (src/results/engine/attributes.ts). */
  | 'period'
  /**
   * A cell of an item's answer (a filter or group by `item.<key>`) where that item's result is not
   * shown in the cell around it: its count would be a count of that item's answers (item-cells.ts).
   */
  | 'item'

export interface PartitionCell {
  n: number
  reason: SuppressionReason | null
  /** Shown by other means (e.g. the same answers as a shown cell): never picked to suppress. */
  fixed?: boolean
}

/**
 * Complementary suppression over cells that partition a shown total (the groups of a grouping,
 * the buckets of a series). The total minus the shown cells equals the union of the suppressed
 * ones, so once any non-empty cell is suppressed, the next-smallest shown cells are suppressed as
 * well until the suppressed union holds at least two cells and at least `min` answers: no single
 * cell can then be isolated, and what subtraction yields is itself a group of `min` or more.
 * Empty cells hold nothing and count for neither side.
 *
 * Returns the reasons per cell, and whether the total must be suppressed as well (when even every
 * cell together cannot meet the rule, e.g. a lone cell suppressed for a small complement).
 */
export function complementary (
  cells: readonly PartitionCell[], min: number
): { reasons: Array<SuppressionReason | null>, suppressTotal: boolean } {
  const reasons = cells.map(c => c.reason)
  let count = 0
  let sum = 0
  const shown: number[] = []
  cells.forEach((c, i) => {
    if (c.n === 0) return
    if (c.reason !== null) {
      count++
      sum += c.n
    } else if (c.fixed !== true) {
      shown.push(i)
    }
  })
  if (count === 0) return { reasons, suppressTotal: false }
  // Smallest first; equal counts in their given order, so the outcome is deterministic.
  shown.sort((a, b) => cells[a]!.n - cells[b]!.n || a - b)
  for (const i of shown) {
    if (count >= 2 && sum >= min) break
    reasons[i] = 'complementary'
    count++
    sum += cells[i]!.n
  }
  return { reasons, suppressTotal: count < 2 || sum < min }
}
