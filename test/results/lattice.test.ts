import fc from 'fast-check'
import t from 'tap'
import { type CellKey, type CubeRow, type Lattice, suppressLattice } from '../../src/results/engine/lattice.js'
import { complementary, type SuppressionReason } from '../../src/results/engine/suppression.js'

// lattice.ts was rewritten on typed arrays for speed. Its decisions must not change by a
// single cell: anonymity rests on them, and a complete month must read the same after an upgrade.
// `reference` below is the implementation as it was before (commit 2272d1f), kept only here; the
// property compares every cell's count and reason on random cubes: few and many keys, values and
// blocks, counts around the minimum (where suppression happens), zero rows, public cells or none.

function reference (keys: number, cube: readonly CubeRow[], min: number, attributes?: number): Lattice {
  // Values are numbered per key from 1 (0 is "any"); a cell is a number in mixed radix.
  const codes = Array.from({ length: keys }, () => new Map<string | null, number>())
  for (const row of cube) {
    row.values.forEach((v, k) => {
      if (!codes[k]!.has(v)) codes[k]!.set(v, codes[k]!.size + 1)
    })
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
      return id === undefined || !n.has(id) ? 'below_min_group_size' : (reasons.get(id) ?? null)
    }
  }
  // Every cell is a sum of cube rows: when none is below the minimum, nothing is suppressed.
  if (smallest >= min) return result

  // Public: no attribute fixed, i.e. the id is below the first non-attribute key's stride… in
  // mixed radix with attributes first, that is `id % stride[attributes] === 0`.
  const isPublic = (id: number): boolean =>
    attributes !== undefined && (attributes >= keys ? id === 0 : id % stride[attributes]! === 0)
  // Cells by index, with their counts, parents and the groupings they head.
  const ids = [...n.keys()]
  const index = new Map(ids.map((id, i) => [id, i]))
  const count = Int32Array.from(ids, id => n.get(id)!)
  const fixed = Uint8Array.from(ids, id => (isPublic(id) ? 1 : 0))
  const parents: number[][] = ids.map(() => [])
  const groupings: Array<{ parent: number; children: number[] }> = []
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
  const suppress = (i: number, reason: SuppressionReason): void => {
    pending.push([i, reason])
  }
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

  count.forEach((c, i) => {
    if (c < min) suppress(i, 'below_min_group_size')
  })
  settle()
  while (dirty.size > 0) {
    const g = dirty.values().next().value!
    dirty.delete(g)
    const { parent, children } = groupings[g]!
    if (state[parent] !== null) continue
    let outcome = complementary(
      children.map(c => ({
        n: count[c]!,
        reason: state[c]!,
        fixed: state[c] === null && (fixed[c] === 1 || sameAsShownParent(c))
      })),
      min
    )
    if (outcome.suppressTotal && fixed[parent] === 1) {
      // A public cell cannot be suppressed: then the siblings that are the same answers as another
      // shown cell are suppressed after all, and that other cell with them (in settle()).
      outcome = complementary(
        children.map(c => ({ n: count[c]!, reason: state[c]!, fixed: fixed[c] === 1 })),
        min
      )
    }
    children.forEach((c, j) => {
      if (outcome.reasons[j] !== null && state[c] === null) suppress(c, outcome.reasons[j]!)
    })
    if (outcome.suppressTotal) suppress(parent, 'complementary')
    settle()
  }
  ids.forEach((id, i) => {
    if (state[i] !== null) reasons.set(id, state[i]!)
  })
  return result
}

/** Every cell of the lattice: each key a seen value, or "any". */
function allCells (keys: number, cube: readonly CubeRow[]): CellKey[] {
  let cells: Array<Array<string | null | undefined>> = [[]]
  for (let k = 0; k < keys; k++) {
    const values = [undefined, ...new Set(cube.map(r => r.values[k]!))]
    cells = cells.flatMap(c => values.map(v => [...c, v]))
  }
  return cells
}

const cubeOf = (keys: number, values: number, blocks: number, maxN: number): fc.Arbitrary<CubeRow[]> =>
  fc.array(
    fc.record({
      values: fc.tuple(
        ...Array.from({ length: keys }, (_, k) =>
          k === keys - 1
            ? fc.integer({ min: 1, max: blocks }).map(String)
            : fc.option(
              fc.integer({ min: 1, max: values }).map(v => `v${v}`),
              { freq: 6 }
            )
        )
      ),
      n: fc.nat({ max: maxN })
    }),
    { minLength: 1, maxLength: 60 }
  )

t.test('the typed-array lattice decides every cell as the previous implementation did', async t => {
  const params = fc.record({
    keys: fc.integer({ min: 1, max: 4 }),
    values: fc.integer({ min: 1, max: 6 }),
    blocks: fc.integer({ min: 1, max: 5 }),
    maxN: fc.constantFrom(3, 8, 20),
    min: fc.integer({ min: 2, max: 10 }),
    publicKeys: fc.boolean()
  })
  let compared = 0
  fc.assert(
    fc.property(
      params.chain(p => fc.tuple(fc.constant(p), cubeOf(p.keys, p.values, p.blocks, p.maxN))),
      ([p, cube]) => {
        const attributes = p.publicKeys ? p.keys - 1 : undefined
        const before = reference(p.keys, cube, p.min, attributes)
        const after = suppressLattice(p.keys, cube, p.min, attributes)
        for (const cell of allCells(p.keys, cube)) {
          compared++
          if (after.n(cell) !== before.n(cell) || after.reason(cell) !== before.reason(cell)) {
            throw new Error(
              `cell ${JSON.stringify(cell)}: ${after.n(cell)} ${after.reason(cell)} ` +
                `≠ ${before.n(cell)} ${before.reason(cell)}`
            )
          }
        }
      }
    ),
    { numRuns: 1500, seed: 6 }
  )
  t.ok(compared > 100_000, `compared ${compared} cells`)
  // And on random runs (a new seed each time the suite runs).
  fc.assert(
    fc.property(
      params.chain(p => fc.tuple(fc.constant(p), cubeOf(p.keys, p.values, p.blocks, p.maxN))),
      ([p, cube]) => {
        const attributes = p.publicKeys ? p.keys - 1 : undefined
        const before = reference(p.keys, cube, p.min, attributes)
        const after = suppressLattice(p.keys, cube, p.min, attributes)
        return allCells(p.keys, cube).every(
          cell => after.n(cell) === before.n(cell) && after.reason(cell) === before.reason(cell)
        )
      }
    ),
    { numRuns: 300 }
  )
})
