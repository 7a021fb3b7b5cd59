import type { CellKey } from './cell-key.js'
import { complementary, type PartitionCell, type SuppressionReason } from './suppression.js'

// Consistent suppression over every cell a question's attributes can form (docs/anonymity.md). A question
// about keys K (its filters' attributes, its grouping, its time buckets) can be answered cell by
// cell by other questions: `agent=a&category=hw` is also a group of `group_by=agent&category=hw`
// and of `group_by=category&agent=a`. So the decision for each cell is made once, over the whole
// lattice of cells of K, and is the same whichever question shows it:
//  - a cell with fewer than `min` answers is suppressed;
//  - inside a suppressed cell nothing is shown;
//  - in every grouping (a shown cell split by one more key) complementary suppression runs;
// and this goes on until nothing changes, since a suppression made for one grouping can call for
// more in another.
//
// Time is part of the lattice: every question about attributes also has the release block as a
// key (and the bucket, for a series), because whole-survey numbers per block are public: a group
// shown over a period, minus the blocks the survey shows, must not leave a few answers behind.
// Public cells (no attribute fixed) are never suppressed; a grouping of a public cell that cannot
// be protected has a single child, which is the public cell itself.

export type { CellKey } from './cell-key.js'

export interface CubeRow {
  /** One value per key (null: the answer lacks that attribute). */
  values: ReadonlyArray<string | null>
  n: number
}

export interface Lattice {
  n: (cell: CellKey) => number
  reason: (cell: CellKey) => SuppressionReason | null
}

/**
 * `attributes`: with it, cells that fix none of the first `attributes` keys are public (every
 * reader sees them anyway, e.g. whole-survey blocks) and never suppressed.
 */
export function suppressLattice (keys: number, cube: readonly CubeRow[], min: number, attributes?: number): Lattice {
  const index = indexCells(keys, cube)
  const state = new Uint8Array(index.ids.length)
  // Every cell is a sum of cube rows: when none is below the minimum, nothing is suppressed.
  if (index.smallest < min) settle(index, linkGroupings(index), state, min, attributes)
  return {
    n: cell => index.counts[index.numberOf(cell)] ?? 0,
    // A cell no answer falls in is empty: nothing to show.
    reason: cell => {
      const i = index.numberOf(cell)
      return i < 0 ? 'below_min_group_size' : state[i] === 0 ? null : REASONS[state[i]! - 1]!
    }
  }
}

/** Every cell that holds answers, numbered, with its count (the first half of suppressLattice). */
interface CellIndex {
  keys: number
  /** Per key, how far apart its values are in a cell's id (mixed radix, 0 per key is "any"). */
  stride: number[]
  /** A cell's id → its number. */
  number: Map<number, number>
  /** Per cell number: its id, and its answers. */
  ids: number[]
  counts: number[]
  /** The smallest count of a cube row: every cell holds at least one row. */
  smallest: number
  /** The value of key `k` in a cell's id (0: any). */
  digit: (id: number, k: number) => number
  /** A cell's number, or -1 when no answer falls in it. */
  numberOf: (cell: CellKey) => number
}

function indexCells (keys: number, cube: readonly CubeRow[]): CellIndex {
  // Values are numbered per key from 1 (0 is "any"); a cell is a number in mixed radix.
  const codes = Array.from({ length: keys }, () => new Map<string | null, number>())
  for (const row of cube) {
    row.values.forEach((v, k) => { if (!codes[k]!.has(v)) codes[k]!.set(v, codes[k]!.size + 1) })
  }
  const stride: number[] = []
  let size = 1
  for (let k = 0; k < keys; k++) {
    stride.push(size)
    size *= codes[k]!.size + 1
  }
  const digit = (id: number, k: number): number => Math.floor(id / stride[k]!) % (codes[k]!.size + 1)
  const encode = (cell: CellKey): number | undefined => {
    let id = 0
    for (let k = 0; k < keys; k++) {
      if (cell[k] === undefined) continue
      const c = codes[k]!.get(cell[k]!)
      if (c === undefined) return undefined
      id += c * stride[k]!
    }
    return id
  }

  // Cells are numbered in the order they are first met (cube rows in order, each with its cells
  // from "any" up): that order breaks ties in settle(), so it is part of every decision and must
  // stay. A month at a million answers has some hundred thousand cells, so everything per cell
  // lives in typed arrays indexed by that number (objects per cell made the first question about
  // attributes cost hundreds of milliseconds; BENCHMARKS.md).
  const number = new Map<number, number>()
  const ids: number[] = []
  const counts: number[] = []
  let smallest = Infinity
  const digits = new Float64Array(keys)
  for (const row of cube) {
    if (row.n === 0) continue
    smallest = Math.min(smallest, row.n)
    for (let k = 0; k < keys; k++) digits[k] = codes[k]!.get(row.values[k]!)! * stride[k]!
    for (let mask = 0; mask < 1 << keys; mask++) {
      let id = 0
      for (let k = 0; k < keys; k++) if ((mask & (1 << k)) !== 0) id += digits[k]!
      const i = number.get(id)
      if (i === undefined) {
        number.set(id, ids.length)
        ids.push(id)
        counts.push(row.n)
      } else {
        counts[i]! += row.n
      }
    }
  }
  const numberOf = (cell: CellKey): number => number.get(encode(cell) ?? -1) ?? -1
  return { keys, stride, number, ids, counts, smallest, digit, numberOf }
}

/** Who is inside whom: per cell its parents, and per grouping its children, in cell order. */
interface Groupings {
  /** A cell's parent along key k (the same cell with key k "any") at i * keys + k, or -1. */
  parent: Int32Array
  /** Grouping g (parent p along key k, g = p * keys + k): its children from childStart[g]. */
  childStart: Int32Array
  children: Int32Array
  /** Cell i heads the groupings heads[headStart[i]…headStart[i + 1]), in the order met. */
  headStart: Int32Array
  heads: Int32Array
}

function linkGroupings ({ keys, stride, number, ids, digit }: CellIndex): Groupings {
  const cells = ids.length
  const parent = new Int32Array(cells * keys).fill(-1)
  const childCount = new Int32Array(cells * keys + 1)
  const met: number[] = []
  for (let i = 0; i < cells; i++) {
    const id = ids[i]!
    for (let k = 0; k < keys; k++) {
      const d = digit(id, k)
      if (d === 0) continue
      const p = number.get(id - d * stride[k]!)!
      parent[i * keys + k] = p
      const g = p * keys + k
      if (childCount[g] === 0) met.push(g)
      childCount[g]!++
    }
  }
  const childStart = new Int32Array(cells * keys + 1)
  for (let g = 0; g < cells * keys; g++) childStart[g + 1] = childStart[g]! + childCount[g]!
  const children = new Int32Array(childStart[cells * keys]!)
  const fill = childStart.slice(0, cells * keys)
  for (let i = 0; i < cells; i++) {
    for (let k = 0; k < keys; k++) {
      const p = parent[i * keys + k]!
      if (p >= 0) children[fill[p * keys + k]!++] = i
    }
  }
  const headStart = new Int32Array(cells + 1)
  for (const g of met) headStart[Math.floor(g / keys) + 1]!++
  for (let i = 0; i < cells; i++) headStart[i + 1]! += headStart[i]!
  const heads = new Int32Array(met.length)
  const headFill = headStart.slice(0, cells)
  for (const g of met) heads[headFill[Math.floor(g / keys)]!++] = g
  return { parent, childStart, children, headStart, heads }
}

/**
 * Decides every cell (the second half of suppressLattice): writes into `state`, per cell, 0 for
 * shown, else 1 + the index of its reason in REASONS. Cells below `min` first, then complementary
 * suppression grouping by grouping until nothing changes.
 */
function settle (
  index: CellIndex, groupings: Groupings, state: Uint8Array, min: number, attributes?: number
): void {
  const { keys, stride, ids, counts } = index
  const { parent, childStart, children, headStart, heads } = groupings
  const cells = ids.length
  // Public: no attribute fixed, i.e. the id is below the first non-attribute key's stride… in
  // mixed radix with attributes first, that is `id % stride[attributes] === 0`.
  const isPublic = (id: number): boolean =>
    attributes !== undefined && (attributes >= keys ? id === 0 : id % stride[attributes]! === 0)
  const count = Int32Array.from(counts)
  const fixed = Uint8Array.from(ids, id => isPublic(id) ? 1 : 0)

  // Suppressing a cell suppresses everything inside it, may force its parent (when they hold the
  // same answers), and calls for complementary suppression in every grouping it is part of. Each
  // cell is suppressed at most once, so the work ends.
  // Groupings to look at again, first in first out; one already waiting keeps its place.
  const dirty: number[] = []
  let dirtyNext = 0
  const waiting = new Uint8Array(cells * keys)
  const markDirty = (g: number): void => {
    if (waiting[g] === 1) return
    waiting[g] = 1
    dirty.push(g)
  }
  // First in, first out: the first reason a cell is given is the one it keeps. A cell suppressed
  // already is not queued again: it would be skipped anyway.
  const pendingCell: number[] = []
  const pendingReason: number[] = []
  const suppress = (i: number, reason: number): void => {
    if (state[i] !== 0 || fixed[i] === 1) return
    pendingCell.push(i)
    pendingReason.push(reason)
  }
  const apply = (): void => {
    for (let next = 0; next < pendingCell.length; next++) {
      const i = pendingCell[next]!
      if (state[i] !== 0) continue
      state[i] = pendingReason[next]!
      for (let h = headStart[i]!; h < headStart[i + 1]!; h++) {
        const g = heads[h]!
        for (let c = childStart[g]!; c < childStart[g + 1]!; c++) suppress(children[c]!, COMPLEMENTARY)
      }
      for (let k = 0; k < keys; k++) {
        const p = parent[i * keys + k]!
        if (p >= 0 && state[p] === 0 && count[p] === count[i]) suppress(p, COMPLEMENTARY)
      }
      for (let k = 0; k < keys; k++) {
        const p = parent[i * keys + k]!
        if (p >= 0) markDirty(p * keys + k)
      }
    }
    pendingCell.length = 0
    pendingReason.length = 0
  }
  // A cell holding the same answers as a shown parent (its siblings there are empty) is shown
  // through that parent: it cannot be picked to protect others.
  const sameAsShownParent = (i: number): boolean => {
    for (let k = 0; k < keys; k++) {
      const p = parent[i * keys + k]!
      if (p >= 0 && state[p] === 0 && count[p] === count[i]) return true
    }
    return false
  }
  const reasonOf = (i: number): SuppressionReason | null => state[i] === 0 ? null : REASONS[state[i]! - 1]!

  for (let i = 0; i < cells; i++) if (count[i]! < min) suppress(i, BELOW_MIN)
  apply()
  while (dirtyNext < dirty.length) {
    const g = dirty[dirtyNext++]!
    waiting[g] = 0
    const p = Math.floor(g / keys)
    if (state[p] !== 0) continue
    const group = Array.from(children.subarray(childStart[g]!, childStart[g + 1]!))
    const partition = (pinned: (c: number) => boolean): PartitionCell[] =>
      group.map(c => ({ n: count[c]!, reason: reasonOf(c), fixed: pinned(c) }))
    let outcome = complementary(partition(c => state[c] === 0 && (fixed[c] === 1 || sameAsShownParent(c))), min)
    if (outcome.suppressTotal && fixed[p] === 1) {
      // A public cell cannot be suppressed: then the siblings that are the same answers as another
      // shown cell are suppressed after all, and that other cell with them (in apply()).
      outcome = complementary(partition(c => fixed[c] === 1), min)
    }
    group.forEach((c, j) => {
      const r = outcome.reasons[j]
      if (r !== null && r !== undefined && state[c] === 0) suppress(c, REASONS.indexOf(r) + 1)
    })
    if (outcome.suppressTotal) suppress(p, COMPLEMENTARY)
    apply()
  }
}

const REASONS: readonly SuppressionReason[] = ['below_min_group_size', 'complementary', 'period']
const BELOW_MIN = 1
const COMPLEMENTARY = 2
