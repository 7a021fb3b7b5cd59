import type { Metric, Scale } from '../../surveys/defaults.js'
import { type CellKey, suppressLattice } from './lattice.js'
import { computeMetric, type Distribution, emptyDistribution } from './metrics.js'
import { type Block, bucketEnd, bucketStarts, type Interval } from './periods.js'
import type { ItemTotals } from './item-cells.js'
import { type ItemDefinition, presentItems } from './item-present.js'
import type { QuestionData } from './question.js'
import type { SuppressionReason } from './suppression.js'

// From counts to the cells a reader sees, with every suppression rule applied. Pure: the service
// loads counts, this decides what may be shown.

export const MAX_BUCKETS = 1500

export interface Cell {
  n: number
  dist: number[]
  reason: SuppressionReason | null
  /** A cell of an item's answer whose count would tell that item's answers (item-cells.ts). */
  countHidden?: boolean
  /** Item results per item key, where the question has them (item-cells.ts). */
  items?: Map<string, ItemTotals>
}

export interface Bucket extends Cell {
  start: string
  end: string
  covers: { from: string, to: string } | null
  invited: number
  delivered: number
}

export interface Group extends Cell { value: string | null }

export interface AssembleInput {
  scale: Scale
  min: number
  data: QuestionData
  /** The release blocks of the period, and the bucket each starts in. */
  blocks: readonly Block[]
  bucketOfBlock?: ((b: Block) => string) | undefined
  interval?: Interval | undefined
  /** Invitations delivered per bucket ('' without a series). */
  delivered: ReadonlyMap<string, number>
  /**
   * Whether cells that fix no attribute are public: true for one survey, whose blocks each hold
   * at least min answers; false across surveys with different minimums.
   */
  wholeSurveyPublic?: boolean
}

export interface Assembled {
  total: Cell & { invited: number, delivered: number }
  series?: Bucket[]
  groups?: Group[]
}

const sum = (dist: Distribution): number => dist.reduce((a, b) => a + b, 0)

/**
 * A whole-survey (or whole-team) question: suppresses over the lattice of its release blocks and
 * buckets (lattice.ts), then picks the cells to show: the total and the buckets. Questions about
 * attributes are assembled on the month grid (attributes.ts).
 */
export function assemble (input: AssembleInput): Assembled {
  const { scale, min, data } = input
  const attributes = data.keys.length
  const withSeries = input.interval !== undefined
  // Keys: the release block, the bucket (no attributes: cells fixing none are whole-survey
  // numbers, shown anyway).
  const keyCount = attributes + 1 + (withSeries ? 1 : 0)
  const lattice = suppressLattice(keyCount, data.cube, min, input.wholeSurveyPublic === false ? undefined : attributes)
  const bucketKey = attributes + 1
  // The block and the bucket left as "any".
  const base: Array<string | null | undefined> = new Array<undefined>(keyCount).fill(undefined)
  const cellAt = (changes: Record<number, string | null>): CellKey => base.map((v, i) => i in changes ? changes[i] : v)

  const all = emptyDistribution(scale)
  let invited = 0
  for (const c of data.main.values()) {
    c.dist.forEach((n, i) => { all[i]! += n })
    invited += c.invited
  }
  const total: Assembled['total'] = {
    n: sum(all),
    dist: all,
    reason: lattice.reason(base),
    invited,
    delivered: [...input.delivered.values()].reduce((a, b) => a + b, 0)
  }
  const out: Assembled = { total }

  if (withSeries && input.bucketOfBlock !== undefined) {
    const interval = input.interval!
    const covers = new Map<string, { from: string, to: string }>()
    for (const b of input.blocks) {
      const key = input.bucketOfBlock(b)
      const c = covers.get(key)
      covers.set(key, c === undefined ? { from: b.from, to: b.to } : { from: c.from, to: b.to })
    }
    const first = input.blocks[0]
    const last = input.blocks.at(-1)
    const starts = first === undefined || last === undefined
      ? []
      : bucketStarts(first.from, last.to, interval, MAX_BUCKETS) ?? []
    out.series = starts.map(start => {
      const c = data.main.get(start)
      const dist = c?.dist ?? emptyDistribution(scale)
      return {
        start,
        end: bucketEnd(start, interval),
        covers: covers.get(start) ?? null,
        n: sum(dist),
        dist,
        reason: lattice.reason(cellAt({ [bucketKey]: start })),
        invited: c?.invited ?? 0,
        delivered: input.delivered.get(start) ?? 0
      }
    })
  }

  return out
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits))

/** The metric block, rounded for reading: percentages and NPS to 0.1, means to 0.01. */
export function presentMetric (metric: Metric, dist: Distribution): Record<string, unknown> | null {
  const m = computeMetric(metric, dist)
  if (m === null) return null
  const interval = (i: { low: number, high: number }): { low: number, high: number } =>
    ({ low: round(i.low, 1), high: round(i.high, 1) })
  if (m.metric === 'nps') {
    const v = m.value
    return {
      ...v,
      score: round(v.score, 1),
      margin_of_error: round(v.margin_of_error, 1),
      adjusted_wald: interval(v.adjusted_wald)
    }
  }
  if (m.metric === 'csat') {
    const v = m.value
    return {
      ...v,
      score: round(v.score, 1),
      mean: round(v.mean, 2),
      margin_of_error: round(v.margin_of_error, 1),
      adjusted_wald: interval(v.adjusted_wald)
    }
  }
  const v = m.value
  return {
    ...v,
    score: round(v.score, 2),
    mean: round(v.mean, 2),
    easy_percent: round(v.easy_percent, 1),
    margin_of_error: round(v.margin_of_error, 2)
  }
}

/**
 * What a reader sees of a cell: its count (except in a cell of item answers whose count would tell
 * them), its scores and item results only when not suppressed.
 */
export function presentCell (
  metric: Metric, scale: Scale, cell: Cell, items: readonly ItemDefinition[] = []
): Record<string, unknown> {
  const shown = cell.reason === null && cell.n > 0
  return {
    responses: cell.countHidden === true ? null : cell.n,
    suppressed: cell.reason !== null,
    suppression_reason: cell.reason,
    [metric]: shown ? presentMetric(metric, cell.dist) : null,
    distribution: shown ? cell.dist.map((count, i) => ({ score: i + scale.min, count })) : null,
    items: presentItems(items, cell.items)
  }
}

export function responseRate (
  invited: number, delivered: number
): { responses: number, delivered: number, percent: number | null } {
  return { responses: invited, delivered, percent: delivered === 0 ? null : round(100 * invited / delivered, 1) }
}
