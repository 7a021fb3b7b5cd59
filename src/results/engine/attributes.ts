import type { DbOrTx } from '../../db/client.js'
import type { Scale } from '../../surveys/defaults.js'
import type { SurveyRow } from '../../surveys/tables.js'
import type { Assembled, Bucket, Cell, Group } from './cells.js'
import { type CellKey, cellKey, parseCombo } from './cell-key.js'
import type { DecidedMonths } from './decided-months.js'
import {
  type ComboPeople, countShown, type ItemCountRow, itemCells, type ItemTotals, itemOver, type MonthItemCells
} from './item-cells.js'
import { isItemKey, withDerived } from './item-values.js'
import { type CubeRow, suppressLattice } from './lattice.js'
import { emptyDistribution } from './metrics.js'
import { type ReleaseMonth } from './months.js'
import { blockOf, bucketEnd, bucketStarts, nextBucket } from './periods.js'
import * as repo from '../storage/repository.js'
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

interface Counts { dist: number[], invited: number }

/** One complete month, for one set of attributes: what its lattice decided, and its counts. */
export interface MonthCells {
  /**
   * Per cell (every value or "any" per attribute): answers, the people they come from (what the
   * lattice decided on), suppression reason, and its counts (summed once here, not per question).
   */
  cells: Map<string, { n: number, people: number, reason: SuppressionReason | null, counts: Counts }>
  /** Per combination of the attributes' values (no "any"): distribution and invited answers. */
  combos: Map<string, { values: Array<string | null>, counts: Counts }>
  /** Per item, its cells: what its own lattice decided, and its answers per value (item-cells.ts). */
  items: MonthItemCells
}

/** One month of the rollup, whatever attributes a question involves. */
export interface MonthRollup {
  /** Answers per day and combination (its JSON), and the people they come from (repo.comboDays). */
  days: repo.ComboDay[]
  /** Distribution and invited answers per combination (its JSON). */
  scores: Map<string, Counts>
  /** Item answers per combination, item and value. */
  items: ItemCountRow[]
}

/**
 * Reads a release month: its days' counts per combination, and its distributions from the
 * calendar month's rows, less the first days that belong to the previous month's last block, plus
 * the days of the next calendar month that belong to this month's last block (a block that runs
 * over a month's end counts in the month it starts in). At most a block's days are read from the
 * answers themselves, and none when no block runs over a month's end.
 */
async function readMonth (db: DbOrTx, surveyId: string, month: ReleaseMonth, scale: Scale): Promise<MonthRollup> {
  const scores = new Map<string, Counts>()
  const add = (rows: readonly repo.ComboScore[], sign: 1 | -1): void => {
    for (const [combo, score, n, invited] of rows) {
      let c = scores.get(combo)
      if (c === undefined) scores.set(combo, c = { dist: emptyDistribution(scale), invited: 0 })
      c.dist[score - scale.min]! += sign * n
      c.invited += sign * invited
    }
  }
  const items = new Map<string, ItemCountRow>()
  const addItems = (rows: readonly ItemCountRow[], sign: 1 | -1): void => {
    for (const [combo, item, value, n, invited] of rows) {
      const key = JSON.stringify([combo, item, value])
      const c = items.get(key)
      if (c === undefined) items.set(key, [combo, item, value, sign * n, sign * invited])
      else {
        c[3] += sign * n
        c[4] += sign * invited
      }
    }
  }
  const first = `${month.month}-01`
  const last = bucketEnd(first, 'month')
  const definitions = await repo.itemDefinitions(db, surveyId)
  add(await repo.comboScores(db, surveyId, month.month), 1)
  addItems(await repo.itemCounts(db, surveyId, month.month), 1)
  if (month.from > first) {
    const edge = { from: first, to: previousDay(month.from) }
    add(await repo.answerScores(db, surveyId, edge, definitions), -1)
    addItems(await repo.answerItemCounts(db, surveyId, edge, definitions), -1)
  }
  if (month.to > last) {
    const edge = { from: nextBucket(last, 'day'), to: month.to }
    add(await repo.answerScores(db, surveyId, edge, definitions), 1)
    addItems(await repo.answerItemCounts(db, surveyId, edge, definitions), 1)
  }
  // Yes/no and choice items are counted by their combinations, single-valued items' answered rows
  // are the sums of their values (item-values.ts).
  const counted = withDerived([...items.values()], definitions, scores)
  return { days: await repo.comboDays(db, surveyId, month.from, month.to), scores, items: counted }
}

const previousDay = (day: string): string =>
  new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10)

function computeMonth (
  rollup: MonthRollup, keys: readonly string[], month: ReleaseMonth, min: number, scale: Scale
): MonthCells {
  // Each combination (JSON) projected on the question's attributes, numbered: a month has tens of
  // thousands of (day, combination) rows at a million answers, so the cube is keyed by numbers.
  const projections: Array<Array<string | null>> = []
  const numbered = new Map<string, number>()
  const projected = new Map<string, number>()
  const projectionOf = (combo: string): number => {
    let p = projected.get(combo)
    if (p === undefined) {
      const attributes = parseCombo(combo)
      // Own keys only: an answer without `constructor` must not carry Object's.
      const values = keys.map(k => Object.hasOwn(attributes, k) ? attributes[k]! : null)
      const id = cellKey(values)
      p = numbered.get(id)
      if (p === undefined) numbered.set(id, p = projections.push(values) - 1)
      projected.set(combo, p)
    }
    return p
  }
  const valuesOf = (combo: string): Array<string | null> => projections[projectionOf(combo)]!
  const blocks = month.blocks.length
  const cube = new Map<number, CubeRow>()
  // Cells are decided on people, not answers: invitation answers plus distinct collector clients,
  // so answers one client adds cannot make another person's cell large enough to show
  // (docs/anonymity.md, padding). A cell shows its answers. Clients are known per combination of
  // attributes, so cells that fix an item value count the clients a combination holds at least.
  const floor = keys.some(isItemKey)
  const people = new Map<string, ComboPeople>()
  for (const [day, combo, answers, share, least, invited] of rollup.days) {
    const n = floor ? least : share
    const p = people.get(combo)
    if (p === undefined) people.set(combo, { n: answers, invited, people: share })
    else {
      p.n += answers
      p.invited += invited
      p.people += share
    }
    const block = blockOf(month.blocks, day)
    const key = projectionOf(combo) * blocks + block
    const row = cube.get(key)
    if (row === undefined) cube.set(key, { values: [...valuesOf(combo), String(block)], n })
    else row.n += n
  }
  const combos: MonthCells['combos'] = new Map()
  for (const [combo, counts] of rollup.scores) {
    const values = valuesOf(combo)
    const id = cellKey(values)
    let c = combos.get(id)
    if (c === undefined) combos.set(id, c = { values, counts: { dist: emptyDistribution(scale), invited: 0 } })
    const into = c.counts
    counts.dist.forEach((x, i) => { into.dist[i]! += x })
    into.invited += counts.invited
  }
  // Keys: the attributes, then the release block; cells fixing no attribute are public.
  const lattice = suppressLattice(keys.length + 1, [...cube.values()], min, keys.length)
  const cells: MonthCells['cells'] = new Map()
  for (const { values, counts } of combos.values()) {
    for (let mask = 0; mask < 1 << keys.length; mask++) {
      const cell: CellKey = values.map((v, k) => (mask & (1 << k)) === 0 ? undefined : v)
      const id = cellKey(cell)
      let c = cells.get(id)
      if (c === undefined) {
        const withBlock = [...cell, undefined]
        const empty = { dist: emptyDistribution(scale), invited: 0 }
        cells.set(id, c = { n: 0, people: lattice.n(withBlock), reason: lattice.reason(withBlock), counts: empty })
      }
      counts.dist.forEach((x, i) => { c.counts.dist[i]! += x })
      c.counts.invited += counts.invited
      c.n += counts.dist.reduce((a, b) => a + b, 0)
    }
  }
  const items = itemCells(rollup.items, people, keys.length, valuesOf, min)
  return { cells, combos, items }
}

const monthKey = (surveyId: string, month: ReleaseMonth, scale: Scale): unknown[] =>
  [surveyId, scale.min, scale.max, month.month, month.from, month.to, month.n]

/** A complete month's cells over these attributes, decided once and then kept (decided-months.ts). */
export async function monthCells (
  db: DbOrTx, kept: DecidedMonths, surveyId: string, keys: readonly string[], month: ReleaseMonth, min: number,
  scale: Scale
): Promise<MonthCells> {
  const key = monthKey(surveyId, month, scale)
  const rollup = (): Promise<MonthRollup> =>
    kept.rollup(JSON.stringify(key), () => readMonth(db, surveyId, month, scale))
  return await kept.cells(JSON.stringify([...key, min, keys]),
    async () => computeMonth(await rollup(), keys, month, min, scale))
}

/** Whether a month's decision for these attributes is kept already (monthCells would not compute). */
export function monthDecided (
  kept: DecidedMonths, surveyId: string, keys: readonly string[], month: ReleaseMonth, min: number, scale: Scale
): boolean {
  return kept.decidedAlready(JSON.stringify([...monthKey(surveyId, month, scale), min, keys]))
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
  /** The items whose results each cell carries (none: no item results). */
  items?: readonly string[]
}

/** The cells a reader sees for a question about attributes, with every suppression rule applied. */
export async function attributeResults (db: DbOrTx, kept: DecidedMonths, q: AttributeQuestion): Promise<Assembled> {
  // One lattice per set of attributes, in name order, whichever of them a question filters on or
  // groups by: `agent=a&group_by=category` and `category=hw&group_by=agent` then read the same
  // decisions (the lattice breaks ties in key order), so a cell they share is decided once.
  const asked = new Map<string, string | undefined>([
    ...q.filters, ...(q.groupBy === undefined ? [] : [[q.groupBy, undefined] as const])
  ])
  const keys = [...asked.keys()].sort()
  const min = q.survey.minGroupSize
  const data: Array<{ month: ReleaseMonth, cells: MonthCells }> = []
  for (const m of q.months) {
    data.push({ month: m, cells: await monthCells(db, kept, q.survey.id, keys, m, min, q.scale) })
  }
  const filterValues: CellKey = keys.map(k => asked.get(k))
  const matches = (cell: CellKey, values: ReadonlyArray<string | null>): boolean =>
    cell.every((v, k) => v === undefined || values[k] === v)

  /** One cell over the given months: counts, and whether it may show (see the top of this file). */
  const over = (cell: CellKey, months: typeof data): Cell & { invited: number } => {
    const dist = emptyDistribution(q.scale)
    let invited = 0
    let n = 0
    const reasons: Array<SuppressionReason | null> = []
    for (const { cells } of months) {
      const c = cells.cells.get(cellKey(cell))
      if (c === undefined || c.n === 0) continue
      n += c.n
      reasons.push(c.reason)
      c.counts.dist.forEach((x, i) => { dist[i]! += x })
      invited += c.counts.invited
    }
    const reason: SuppressionReason | null = n < min
      ? 'below_min_group_size'
      : reasons.every(r => r === null) ? null : reasons.length === 1 ? reasons[0]! : 'period'
    return withItems(cell, months, { n, dist, reason, invited })
  }

  /** The item results of a cell, and whether its count may show (item-cells.ts). */
  function withItems<T extends Cell> (cell: CellKey, months: typeof data, c: T): T {
    const monthItems = months.map(m => m.cells)
    // A cell's decision with the item rule: the score's, and for a cell of item answers whether the
    // items it fixes show their results around it (each around cell fixes one item fewer).
    const decided = (at: CellKey): SuppressionReason | null =>
      plain(at, months) ?? (countShown(keys, at, result) ? null : 'item')
    const result = (at: CellKey, item: string): ItemTotals => itemOver(at, monthItems, item, decided(at))
    if (!countShown(keys, cell, result)) {
      c.countHidden = true
      c.reason ??= 'item'
    }
    const items = q.items ?? []
    if (items.length > 0) c.items = new Map(items.map(item => [item, itemOver(cell, monthItems, item, c.reason)]))
    return c
  }

  /** The score's decision alone for a cell over the months (as `over`, without items). */
  function plain (cell: CellKey, months: typeof data): SuppressionReason | null {
    let n = 0
    const reasons: Array<SuppressionReason | null> = []
    for (const { cells } of months) {
      const c = cells.cells.get(cellKey(cell))
      if (c === undefined || c.n === 0) continue
      n += c.n
      reasons.push(c.reason)
    }
    if (n < min) return 'below_min_group_size'
    return reasons.every(r => r === null) ? null : reasons.length === 1 ? reasons[0]! : 'period'
  }

  const total = over(filterValues, data)
  const out: Assembled = { total: { ...total, delivered: [...q.delivered.values()].reduce((a, b) => a + b, 0) } }
  if (q.series) {
    const first = q.months[0]
    const last = q.months.at(-1)
    const starts = first === undefined || last === undefined
      ? []
      : bucketStarts(`${first.month}-01`, `${last.month}-01`, 'month', Number.MAX_SAFE_INTEGER)!
    out.series = starts.map((start): Bucket => {
      const month = data.filter(d => d.month.month === start.slice(0, 7))
      const cell = over(filterValues, month)
      const m = month[0]?.month
      return {
        ...cell,
        start,
        end: bucketEnd(start, 'month'),
        covers: m === undefined ? null : { from: m.from, to: m.to },
        delivered: q.delivered.get(start.slice(0, 7)) ?? 0
      }
    })
  }
  if (q.groupBy !== undefined) {
    const g = keys.indexOf(q.groupBy)
    const values = new Set<string | null>()
    for (const { cells } of data) {
      for (const { values: v } of cells.combos.values()) if (matches(filterValues, v)) values.add(v[g]!)
    }
    const sorted = [...values].sort((a, b) => a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0)
    out.groups = sorted.map((value): Group => {
      const { n, dist, reason, countHidden, items } = over(filterValues.map((v, k) => k === g ? value : v), data)
      return { value, n, dist, reason, countHidden, items }
    })
  }
  return out
}
