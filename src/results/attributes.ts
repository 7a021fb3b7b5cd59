import type { DbOrTx } from '../db/client.js'
import type { Scale } from '../surveys/defaults.js'
import type { SurveyRow } from '../surveys/tables.js'
import type { Assembled, Bucket, Cell, Group } from './cells.js'
import { type CellKey, type CubeRow, suppressLattice } from './lattice.js'
import { emptyDistribution } from './metrics.js'
import { type ReleaseMonth } from './months.js'
import { blockOf, bucketEnd, bucketStarts } from './periods.js'
import * as repo from './repository.js'
import type { SuppressionReason } from './suppression.js'

// Questions about attributes (filters and/or group_by), on the grid of complete release months
// (months.ts). Each month is decided on its own: the lattice (lattice.ts) of the question's
// attributes × the month's release blocks, with the whole-survey blocks public. A month's cells
// never change once it is complete, so whatever is read at any time over any months is made of
// the same month cells. A cell over several months is the sum of its months; it is shown only
// when every one of them is shown (then it adds nothing a reader could not add up), else it is
// suppressed with reason `period`.
//
// Why no "all months" parent cell: the total over all months grows as months complete, so two
// readings of it differ by one month's cell; shown both times, that difference would be a cell
// the month's own lattice may have suppressed.

/** Per key: a value, null for answers without the attribute, undefined for "any". */
type Values = ReadonlyArray<string | null | undefined>

// NUL separates, SOH is "without", STX is "any": attribute values are printable text.
export const idOf = (values: Values): string => values.map(v => v === undefined ? '\u0002' : v === null ? '\u0001' : v).join('\u0000')

interface Counts { dist: number[], invited: number }

/** One complete month, for one set of attributes: what its lattice decided, and its counts. */
export interface MonthCells {
  /** Per cell (every value or "any" per attribute): answers and suppression reason. */
  cells: Map<string, { n: number, reason: SuppressionReason | null }>
  /** Per combination of the attributes' values (no "any"): distribution and invited answers. */
  combos: Map<string, { values: Array<string | null>, counts: Counts }>
}

function computeMonth (db: DbOrTx, surveyId: string, keys: readonly string[], month: ReleaseMonth, min: number, scale: Scale): MonthCells {
  const parsed = new Map<string, Array<string | null>>()
  const valuesOf = (combo: string): Array<string | null> => {
    let v = parsed.get(combo)
    if (v === undefined) {
      const attributes = JSON.parse(combo) as Record<string, string>
      parsed.set(combo, v = keys.map(k => attributes[k] ?? null))
    }
    return v
  }
  const cube = new Map<string, CubeRow>()
  const combos: MonthCells['combos'] = new Map()
  for (const r of repo.comboRows(db, surveyId, month.from, month.to)) {
    const values = valuesOf(r.combo)
    const block = String(blockOf(month.blocks, r.day))
    const cubeValues = [...values, block]
    const cid = idOf(cubeValues)
    const row = cube.get(cid)
    if (row === undefined) cube.set(cid, { values: cubeValues, n: r.n })
    else row.n += r.n
    const id = idOf(values)
    let c = combos.get(id)
    if (c === undefined) combos.set(id, c = { values, counts: { dist: emptyDistribution(scale), invited: 0 } })
    c.counts.dist[r.score - scale.min]! += r.n
    c.counts.invited += r.invited
  }
  // Keys: the attributes, then the release block; cells fixing no attribute are public.
  const lattice = suppressLattice(keys.length + 1, [...cube.values()], min, keys.length)
  const cells: MonthCells['cells'] = new Map()
  for (const { values } of combos.values()) {
    for (let mask = 0; mask < 1 << keys.length; mask++) {
      const cell: CellKey = values.map((v, k) => (mask & (1 << k)) === 0 ? undefined : v)
      const id = idOf(cell)
      if (!cells.has(id)) {
        const withBlock = [...cell, undefined]
        cells.set(id, { n: lattice.n(withBlock), reason: lattice.reason(withBlock) })
      }
    }
  }
  return { cells, combos }
}

// A complete month never changes (months.ts), so its decisions are kept, per survey, minimum and
// attributes. The month's answer count guards against answers added to past days by other means
// than answering (imports, tests); a retention purge removes whole months, which are then never
// asked for again. Bounded, oldest first out.
const CACHE_SIZE = 2000
const cache = new Map<string, MonthCells>()

export function monthCells (db: DbOrTx, surveyId: string, keys: readonly string[], month: ReleaseMonth, min: number, scale: Scale): MonthCells {
  const key = JSON.stringify([surveyId, min, keys, month.month, month.from, month.to, month.n])
  let hit = cache.get(key)
  if (hit === undefined) {
    hit = computeMonth(db, surveyId, keys, month, min, scale)
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!)
    cache.set(key, hit)
  }
  return hit
}

export interface AttributeQuestion {
  survey: Pick<SurveyRow, 'id' | 'minGroupSize'>
  scale: Scale
  /** The complete release months the period touches. */
  months: readonly ReleaseMonth[]
  filters: ReadonlyArray<readonly [string, string]>
  groupBy?: string | undefined
  series: boolean
  /** Invitations delivered per release month (YYYY-MM); empty when not asked for. */
  delivered: ReadonlyMap<string, number>
}

/** The cells a reader sees for a question about attributes, with every suppression rule applied. */
export function attributeResults (db: DbOrTx, q: AttributeQuestion): Assembled {
  const keys = [...q.filters.map(([k]) => k), ...(q.groupBy === undefined ? [] : [q.groupBy])]
  const min = q.survey.minGroupSize
  const data = q.months.map(m => ({ month: m, cells: monthCells(db, q.survey.id, keys, m, min, q.scale) }))
  const filterValues: Values = [...q.filters.map(([, v]) => v), ...(q.groupBy === undefined ? [] : [undefined])]
  const matches = (cell: Values, values: ReadonlyArray<string | null>): boolean => cell.every((v, k) => v === undefined || values[k] === v)

  /** One cell over the given months: counts, and whether it may show (see the top of this file). */
  const over = (cell: Values, months: typeof data): Cell & { invited: number } => {
    const dist = emptyDistribution(q.scale)
    let invited = 0
    let n = 0
    const reasons: Array<SuppressionReason | null> = []
    for (const { cells } of months) {
      const c = cells.cells.get(idOf(cell))
      if (c === undefined || c.n === 0) continue
      n += c.n
      reasons.push(c.reason)
      for (const { values, counts } of cells.combos.values()) {
        if (!matches(cell, values)) continue
        counts.dist.forEach((x, i) => { dist[i]! += x })
        invited += counts.invited
      }
    }
    const reason: SuppressionReason | null = n < min
      ? 'below_min_group_size'
      : reasons.every(r => r === null) ? null : reasons.length === 1 ? reasons[0]! : 'period'
    return { n, dist, reason, invited }
  }

  const total = over(filterValues, data)
  const out: Assembled = { total: { ...total, delivered: [...q.delivered.values()].reduce((a, b) => a + b, 0) } }
  if (q.series) {
    const first = q.months[0]
    const last = q.months.at(-1)
    const starts = first === undefined || last === undefined ? [] : bucketStarts(`${first.month}-01`, `${last.month}-01`, 'month', Number.MAX_SAFE_INTEGER)!
    out.series = starts.map((start): Bucket => {
      const month = data.filter(d => d.month.month === start.slice(0, 7))
      const cell = over(filterValues, month)
      const m = month[0]?.month
      return { ...cell, start, end: bucketEnd(start, 'month'), covers: m === undefined ? null : { from: m.from, to: m.to }, delivered: q.delivered.get(start.slice(0, 7)) ?? 0 }
    })
  }
  if (q.groupBy !== undefined) {
    const g = keys.length - 1
    const values = new Set<string | null>()
    for (const { cells } of data) for (const { values: v } of cells.combos.values()) if (matches(filterValues, v)) values.add(v[g]!)
    const sorted = [...values].sort((a, b) => a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0)
    out.groups = sorted.map((value): Group => {
      const { n, dist, reason } = over(filterValues.map((v, k) => k === g ? value : v), data)
      return { value, n, dist, reason }
    })
  }
  return out
}
