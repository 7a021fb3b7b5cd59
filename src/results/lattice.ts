import { complementary, type SuppressionReason } from './suppression.js'

// Consistent suppression over every cell a question's attributes can form (SPEC §2.5). A question
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

/** Per key: a value, null for answers without the attribute, or undefined for "any". */
export type CellKey = ReadonlyArray<string | null | undefined>

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

  const n = new Map<number, number>()
  let smallest = Infinity
  for (const row of cube) {
    if (row.n === 0) continue
    smallest = Math.min(smallest, row.n)
    const full = encode(row.values)!
    for (let mask = 0; mask < 1 << keys; mask++) {
      let id = full
      for (let k = 0; k < keys; k++) if ((mask & (1 << k)) === 0) id -= digit(full, k) * stride[k]!
      n.set(id, (n.get(id) ?? 0) + row.n)
    }
  }
  const reasons = new Map<number, SuppressionReason>()
  const result: Lattice = {
    n: cell => n.get(encode(cell) ?? -1) ?? 0,
    // A cell no answer falls in is empty: nothing to show.
    reason: cell => {
      const id = encode(cell)
      return id === undefined || !n.has(id) ? 'below_min_group_size' : reasons.get(id) ?? null
    }
  }
  // Every cell is a sum of cube rows: when none is below the minimum, nothing is suppressed.
  if (smallest >= min) return result

  // Public: no attribute fixed, i.e. the id is below the first non-attribute key's stride… in
  // mixed radix with attributes first, that is `id % stride[attributes] === 0`.
  const isPublic = (id: number): boolean => attributes !== undefined && (attributes >= keys ? id === 0 : id % stride[attributes]! === 0)
  // Cells by index, with their counts, parents and the groupings they head.
  const ids = [...n.keys()]
  const index = new Map(ids.map((id, i) => [id, i]))
  const count = Int32Array.from(ids, id => n.get(id)!)
  const fixed = Uint8Array.from(ids, id => isPublic(id) ? 1 : 0)
  const parents: number[][] = ids.map(() => [])
  const groupings: Array<{ parent: number, children: number[] }> = []
  const heads: number[][] = ids.map(() => [])
  const memberOf: number[][] = ids.map(() => [])
  const byId = new Map<number, number>()
  ids.forEach((id, i) => {
    for (let k = 0; k < keys; k++) {
      const d = digit(id, k)
      if (d === 0) continue
      const parent = index.get(id - d * stride[k]!)!
      parents[i]!.push(parent)
      const gid = parent * keys + k
      let g = byId.get(gid)
      if (g === undefined) {
        g = groupings.push({ parent, children: [] }) - 1
        byId.set(gid, g)
        heads[parent]!.push(g)
      }
      groupings[g]!.children.push(i)
      memberOf[i]!.push(g)
    }
  })

  // Suppressing a cell suppresses everything inside it, may force its parent (when they hold the
  // same answers), and calls for complementary suppression in every grouping it is part of. Each
  // cell is suppressed at most once, so the work ends.
  const state: Array<SuppressionReason | null> = ids.map(() => null)
  const dirty = new Set<number>()
  // First in, first out: the first reason a cell is given is the one it keeps.
  let pending: Array<[number, SuppressionReason]> = []
  const suppress = (i: number, reason: SuppressionReason): void => { pending.push([i, reason]) }
  const settle = (): void => {
    for (let next = 0; next < pending.length; next++) {
      const [i, reason] = pending[next]!
      if (state[i] !== null || fixed[i] === 1) continue
      state[i] = reason
      for (const g of heads[i]!) for (const c of groupings[g]!.children) suppress(c, 'complementary')
      for (const p of parents[i]!) if (state[p] === null && count[p] === count[i]) suppress(p, 'complementary')
      for (const g of memberOf[i]!) dirty.add(g)
    }
    pending = []
  }
  // A cell holding the same answers as a shown parent (its siblings there are empty) is shown
  // through that parent: it cannot be picked to protect others.
  const sameAsShownParent = (i: number): boolean => parents[i]!.some(p => state[p] === null && count[p] === count[i])

  count.forEach((c, i) => { if (c < min) suppress(i, 'below_min_group_size') })
  settle()
  while (dirty.size > 0) {
    const g = dirty.values().next().value!
    dirty.delete(g)
    const { parent, children } = groupings[g]!
    if (state[parent] !== null) continue
    let outcome = complementary(children.map(c => ({ n: count[c]!, reason: state[c]!, fixed: state[c] === null && (fixed[c] === 1 || sameAsShownParent(c)) })), min)
    if (outcome.suppressTotal && fixed[parent] === 1) {
      // A public cell cannot be suppressed: then the siblings that are the same answers as another
      // shown cell are suppressed after all, and that other cell with them (in settle()).
      outcome = complementary(children.map(c => ({ n: count[c]!, reason: state[c]!, fixed: fixed[c] === 1 })), min)
    }
    children.forEach((c, j) => { if (outcome.reasons[j] !== null && state[c] === null) suppress(c, outcome.reasons[j]!) })
    if (outcome.suppressTotal) suppress(parent, 'complementary')
    settle()
  }
  ids.forEach((id, i) => { if (state[i] !== null) reasons.set(id, state[i]!) })
  return result
}
