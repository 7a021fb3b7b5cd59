// SPEC §2.4–2.5 as pure functions. A cell is any aggregate a reader can see: a total, a group, a
// time bucket. Its count may always show; its scores only when no rule below suppresses it.

export type SuppressionReason =
  /** Fewer answers than the survey's minimum group size. */
  | 'below_min_group_size'
  /** Dropping one of the filters adds fewer than the minimum: the difference would expose them. */
  | 'small_complement'
  /** Suppressed too, so that the suppressed cells cannot be derived from the total. */
  | 'complementary'

/**
 * The rules about one cell alone: below the minimum, or a small complement. `neighbours` are the
 * counts of the same cell with one filter dropped (each also queryable); a difference of 1 to
 * minimum − 1 answers would be derivable by subtraction, a difference of 0 exposes nothing new.
 */
export function cellReason (n: number, neighbours: readonly number[], min: number): SuppressionReason | null {
  if (n < min) return 'below_min_group_size'
  for (const other of neighbours) {
    const difference = other - n
    if (difference > 0 && difference < min) return 'small_complement'
  }
  return null
}

export interface PartitionCell {
  n: number
  reason: SuppressionReason | null
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
export function complementary (cells: readonly PartitionCell[], min: number): { reasons: Array<SuppressionReason | null>, suppressTotal: boolean } {
  const reasons = cells.map(c => c.reason)
  const suppressed = cells.map((c, i) => ({ ...c, i })).filter(c => c.n > 0 && c.reason !== null)
  if (suppressed.length === 0) return { reasons, suppressTotal: false }
  let count = suppressed.length
  let sum = suppressed.reduce((acc, c) => acc + c.n, 0)
  // Smallest first; equal counts in their given order, so the outcome is deterministic.
  const shown = cells.map((c, i) => ({ ...c, i })).filter(c => c.n > 0 && c.reason === null)
    .sort((a, b) => a.n - b.n || a.i - b.i)
  for (const cell of shown) {
    if (count >= 2 && sum >= min) break
    reasons[cell.i] = 'complementary'
    count++
    sum += cell.n
  }
  return { reasons, suppressTotal: count < 2 || sum < min }
}
