import { complementary, type SuppressionReason } from './suppression.js'

// Consistent suppression over every cell a question's attributes can form (SPEC §2.5). A question
// about keys K (its filters' attributes, its grouping, its time buckets) can be answered cell by
// cell by other questions: `agent=a&category=hw` is also a group of `group_by=agent&category=hw`
// and of `group_by=category&agent=a`. So the decision for each cell is made once, over the whole
// lattice of cells of K, and is the same whichever question shows it:
//  - a cell with fewer than `min` answers is suppressed;
//  - inside a suppressed cell nothing is shown;
//  - in every grouping (a shown cell split by one more key) complementary suppression runs;
// and this repeats until nothing changes, since a suppression made for one grouping can call for
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

// Control characters keep "any", "without" and a value apart; attribute values are printable text.
const encode = (cell: CellKey): string => cell.map(v => v === undefined ? '\u0001' : v === null ? '\u0002' : `\u0003${v}`).join('\u0000')

export interface Lattice {
  n: (cell: CellKey) => number
  reason: (cell: CellKey) => SuppressionReason | null
}

/** `isPublic`: cells every reader may see anyway (e.g. whole-survey blocks), never suppressed. */
export function suppressLattice (keys: number, cube: readonly CubeRow[], min: number, isPublic: (cell: CellKey) => boolean = () => false): Lattice {
  const cells = new Map<string, { key: CellKey, n: number }>()
  for (const row of cube) {
    if (row.n === 0) continue
    for (let mask = 0; mask < 1 << keys; mask++) {
      const key = row.values.map((v, k) => (mask & (1 << k)) !== 0 ? v : undefined)
      const id = encode(key)
      const cell = cells.get(id)
      if (cell === undefined) cells.set(id, { key, n: row.n })
      else cell.n += row.n
    }
  }
  // Groupings: a parent cell and the key it is split by, with its (non-empty) children.
  const groupings = new Map<string, { parent: string, children: string[] }>()
  const parents = new Map<string, string[]>()
  for (const [id, cell] of cells) {
    const mine: string[] = []
    cell.key.forEach((v, k) => {
      if (v === undefined) return
      const parent = encode(cell.key.map((x, j) => j === k ? undefined : x))
      const gid = `${parent}#${k}`
      let g = groupings.get(gid)
      if (g === undefined) groupings.set(gid, g = { parent, children: [] })
      g.children.push(id)
      mine.push(parent)
    })
    parents.set(id, mine)
  }
  const reasons = new Map<string, SuppressionReason | null>()
  const fixed = new Set<string>()
  for (const [id, cell] of cells) {
    if (isPublic(cell.key)) fixed.add(id)
    reasons.set(id, cell.n < min && !fixed.has(id) ? 'below_min_group_size' : null)
  }

  // A cell holding the same answers as a shown parent (its siblings there are empty) is shown
  // through that parent: it cannot be suppressed to protect others, and if it is suppressed, so
  // must the parent be.
  const n = (id: string): number => cells.get(id)!.n
  const sameAsShownParent = (id: string): string | undefined =>
    parents.get(id)!.find(p => reasons.get(p) === null && n(p) === n(id))

  // Every pass suppresses at least one more cell or ends, so this ends after at most |cells| passes.
  for (let changed = true; changed;) {
    changed = false
    for (const [id, mine] of parents) {
      if (reasons.get(id) === null && !fixed.has(id) && mine.some(p => reasons.get(p) !== null)) {
        reasons.set(id, 'complementary')
        changed = true
      }
      if (reasons.get(id) !== null) {
        const parent = sameAsShownParent(id)
        if (parent !== undefined && !fixed.has(parent)) {
          reasons.set(parent, 'complementary')
          changed = true
        }
      }
    }
    for (const { parent, children } of groupings.values()) {
      if (reasons.get(parent) !== null) continue
      const result = complementary(children.map(c => ({
        n: n(c),
        reason: reasons.get(c)!,
        fixed: fixed.has(c) || sameAsShownParent(c) !== undefined
      })), min)
      children.forEach((c, i) => {
        if (reasons.get(c) !== result.reasons[i] && !fixed.has(c)) {
          reasons.set(c, result.reasons[i]!)
          changed = true
        }
      })
      if (result.suppressTotal && !fixed.has(parent)) {
        reasons.set(parent, 'complementary')
        changed = true
      }
    }
  }
  return {
    n: cell => cells.get(encode(cell))?.n ?? 0,
    // A cell no answer falls in is empty: nothing to show.
    reason: cell => {
      const id = encode(cell)
      return reasons.has(id) ? reasons.get(id)! : 'below_min_group_size'
    }
  }
}
