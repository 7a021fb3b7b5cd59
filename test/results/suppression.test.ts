import fc from 'fast-check'
import t from 'tap'
import { csvField, csvLine } from '../../src/results/outputs/export.js'
import { type CellKey, suppressLattice } from '../../src/results/engine/lattice.js'
import { blocksInPeriod, bucketStart, releaseBlocks } from '../../src/results/engine/periods.js'
import { complementary } from '../../src/results/engine/suppression.js'

// docs/anonymity.md, promises 4–5 as pure functions, property-tested.

const MIN = 5

t.test(
  'complementary suppression: the suppressed cells of a grouping never give away one cell or a small set',
  async t => {
    t.same(
      complementary(
        [
          { n: 12, reason: null },
          { n: 2, reason: 'below_min_group_size' },
          { n: 30, reason: null }
        ],
        MIN
      ).reasons,
      [null, 'below_min_group_size', null].map((r, i) => (i === 0 ? 'complementary' : r)),
      'the next-smallest group is suppressed too'
    )
    t.same(
      complementary(
        [
          { n: 6, reason: null },
          { n: 2, reason: 'below_min_group_size' },
          { n: 1, reason: 'below_min_group_size' },
          { n: 40, reason: null }
        ],
        MIN
      ).reasons,
      ['complementary', 'below_min_group_size', 'below_min_group_size', null],
      'two small ones (3 answers) need one more'
    )
    t.same(
      complementary(
        [
          { n: 3, reason: 'below_min_group_size' },
          { n: 4, reason: 'below_min_group_size' },
          { n: 9, reason: null }
        ],
        MIN
      ).reasons,
      ['below_min_group_size', 'below_min_group_size', null],
      'two suppressed holding 7 answers are enough'
    )
    t.equal(
      complementary([{ n: 9, reason: 'complementary' }], MIN).suppressTotal,
      true,
      'a lone suppressed cell equals the total: suppress the total'
    )
    t.same(
      complementary(
        [
          { n: 0, reason: 'below_min_group_size' },
          { n: 8, reason: null }
        ],
        MIN
      ).reasons,
      ['below_min_group_size', null],
      'empty cells count for nothing'
    )

    const cells = fc.array(fc.record({ n: fc.nat({ max: 30 }), forced: fc.boolean() }), { minLength: 1, maxLength: 12 })
    fc.assert(
      fc.property(cells, input => {
        const given = input.map(c => ({
          n: c.n,
          reason: c.n < MIN || (c.forced && c.n > 0) ? ('below_min_group_size' as const) : null
        }))
        const { reasons, suppressTotal } = complementary(given, MIN)
        const suppressed = given.filter((c, i) => c.n > 0 && reasons[i] !== null)
        const sum = suppressed.reduce((a, c) => a + c.n, 0)
        const monotone = given.every((c, i) => c.reason === null || reasons[i] === c.reason)
        const safe = suppressed.length === 0 || suppressTotal || (suppressed.length >= 2 && sum >= MIN)
        return monotone && safe
      })
    )
  }
)

const value = fc.constantFrom('x', 'y', 'z', null)
const block = fc.constantFrom('1', '2', '3')
/** Cube rows over the given keys, merged; whole-survey blocks (the last key) hold at least MIN. */
function cubeOf (keys: number) {
  return fc
    .array(
      fc.record({
        values: fc.tuple(...Array.from({ length: keys }, () => value), block),
        n: fc.integer({ min: 1, max: 9 })
      }),
      { minLength: 1, maxLength: 16 }
    )
    .map(rows => {
      const merged = new Map<string, { values: Array<string | null>; n: number }>()
      for (const r of rows) {
        const id = JSON.stringify(r.values)
        const m = merged.get(id)
        if (m === undefined) merged.set(id, { values: [...r.values], n: r.n })
        else m.n += r.n
      }
      return [...merged.values()]
    })
    .filter(rows =>
      ['1', '2', '3'].every(b => {
        const n = rows.filter(r => r.values[keys] === b).reduce((a, r) => a + r.n, 0)
        return n === 0 || n >= MIN
      })
    )
}

function allCells (keys: number): CellKey[] {
  let cells: CellKey[] = [[]]
  for (let k = 0; k <= keys; k++) {
    const options = k < keys ? [undefined, 'x', 'y', 'z', null] : [undefined, '1', '2', '3']
    cells = cells.flatMap(c => options.map(v => [...c, v]))
  }
  return cells
}

t.test(
  'the lattice: one decision for a cell in every grouping, and promises 4–5 of docs/anonymity.md in each',
  async t => {
    fc.assert(
      fc.property(cubeOf(2), rows => {
        const lattice = suppressLattice(3, rows, MIN, 2)
        const inCell = (cell: CellKey, r: { values: Array<string | null> }): boolean =>
          cell.every((v, k) => v === undefined || r.values[k] === v)
        const size = (cell: CellKey): number => rows.reduce((acc, r) => acc + (inCell(cell, r) ? r.n : 0), 0)
        for (const cell of allCells(2)) {
          const n = size(cell)
          if (n === 0) continue
          const reason = lattice.reason(cell)
          const isPublic = cell[0] === undefined && cell[1] === undefined
          if (isPublic ? reason !== null : n < MIN && reason === null) return false
          // Inside a suppressed cell nothing shows; in every grouping of a shown cell, the suppressed
          // children are none, or at least two holding at least MIN together (or one that is the
          // same answers as a public cell, which hides nothing).
          for (let k = 0; k < 3; k++) {
            if (cell[k] !== undefined) continue
            const children = (k < 2 ? ['x', 'y', 'z', null] : ['1', '2', '3'])
              .map(v => cell.map((x, j) => (j === k ? v : x)))
              .filter(c => size(c) > 0)
            if (reason !== null && children.some(c => lattice.reason(c) === null)) return false
            if (reason !== null) continue
            const hidden = children.filter(c => lattice.reason(c) !== null)
            const sum = hidden.reduce((a, c) => a + size(c), 0)
            const sameAsParent = hidden.length === 1 && size(hidden[0]!) === n
            if (hidden.length > 0 && !sameAsParent && !(hidden.length >= 2 && sum >= MIN)) return false
          }
        }
        return true
      }),
      { numRuns: 300 }
    )
    t.pass('rules hold in every grouping')
  }
)

t.test('release blocks', async t => {
  const r = releaseBlocks(
    [
      ['2026-03-01', 2],
      ['2026-03-02', 4],
      ['2026-03-03', 7],
      ['2026-03-05', 1],
      ['2026-03-06', 3],
      ['2026-03-09', 9]
    ],
    MIN,
    '2026-03-09'
  )
  t.same(r.blocks, [
    { from: '2026-03-01', to: '2026-03-02', n: 6 },
    { from: '2026-03-03', to: '2026-03-03', n: 7 }
  ])
  t.equal(r.pending, 13, 'the open block (4) and today (9) are pending')
  t.same(blocksInPeriod(r.blocks, '2026-03-02', '2026-03-02'), [0, 0], 'a period widens to whole blocks')
  t.equal(blocksInPeriod(r.blocks, '2026-03-04', undefined), null)
  t.equal(bucketStart('2026-03-01', 'week'), '2026-02-23', 'ISO weeks start on Monday')
  t.equal(bucketStart('2026-03-18', 'month'), '2026-03-01')

  const days = fc
    .uniqueArray(fc.integer({ min: 1, max: 60 }), { maxLength: 40 })
    .chain(ds =>
      fc.tuple(
        fc.constant(ds.sort((a, b) => a - b)),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: ds.length, maxLength: ds.length })
      )
    )
    .map(([ds, ns]) =>
      ds.map((d, i) => [new Date(Date.UTC(2026, 0, d)).toISOString().slice(0, 10), ns[i]!] as [string, number])
    )
  fc.assert(
    fc.property(days, fc.integer({ min: 1, max: 62 }), (list, todayIndex) => {
      const today = new Date(Date.UTC(2026, 0, todayIndex)).toISOString().slice(0, 10)
      const { blocks, pending } = releaseBlocks(list, MIN, today)
      const total = list.reduce((a, [, n]) => a + n, 0)
      const ordered = blocks.every((b, i) => b.from <= b.to && (i === 0 || blocks[i - 1]!.to < b.from))
      // Later days never change earlier blocks: the blocks of a prefix are a prefix of the blocks.
      const cut = list.slice(0, Math.floor(list.length / 2))
      const early = releaseBlocks(cut, MIN, today).blocks
      return (
        blocks.every(b => b.n >= MIN && b.to < today) &&
        ordered &&
        blocks.reduce((a, b) => a + b.n, 0) + pending === total &&
        JSON.stringify(early) === JSON.stringify(blocks.slice(0, early.length))
      )
    })
  )
})

t.test('CSV fields cannot start a formula', async t => {
  const cases: Array<[string, string]> = [
    ['=HYPERLINK("http://x","y")', '"\'=HYPERLINK(""http://x"",""y"")"'],
    ['+1+2', "'+1+2"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', '"\'\t\'=1"'],
    ['\r=1', '"\'\r\'=1"'],
    ['ok;=2+3', '"ok;\'=2+3"'],
    ['a;b', '"a;b"'],
    ['  =1', "'  =1"],
    ['fine, with a comma', '"fine, with a comma"'],
    ['plain', 'plain'],
    ['', '']
  ]
  for (const [input, expected] of cases) t.equal(csvField(input), expected, JSON.stringify(input))
  t.equal(csvField(7), '7', 'scores stay numbers')
  t.equal(csvField(null), '')
  t.equal(csvLine(['a', 1, null]), 'a,1,\r\n')
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), s => {
      const field = csvField(s)
      const body = field.startsWith('"') ? field.slice(1, -1).replaceAll('""', '"') : field
      // The field reads back as the text, with a ' where a cell split on any common separator could start a formula.
      return (
        body.replaceAll("'", '') === s.replaceAll("'", '') &&
        body.split(/[",;\t\r\n]/).every(c => !/^\s*[=+\-@]/.test(c))
      )
    })
  )
})
