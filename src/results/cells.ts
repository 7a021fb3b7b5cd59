import type { Metric, Scale } from '../surveys/defaults.js'
import { computeMetric, type Distribution, emptyDistribution } from './metrics.js'
import { type Block, bucketEnd, bucketStart, bucketStarts, type Interval } from './periods.js'
import { cellReason, complementary, type SuppressionReason } from './suppression.js'

// From counts to the cells a reader sees, with every suppression rule applied. Pure: the service
// loads counts, this decides what may be shown.

export interface DayCount { day: string, score: number, n: number, invited: number }
export interface ValueCount { value: string | null, score: number, n: number }

/**
 * Counts for one results question, all inside the period (whole release blocks). Days are anchored:
 * each is the first day of the release block it belongs to, so a block counts in one bucket only.
 */
export interface Counts {
  /** Answers matching every filter. */
  byDay: DayCount[]
  /** Per filter: the answers matching all the other filters (the same question with it dropped). */
  neighboursByDay: DayCount[][]
  /** Per value of the grouped attribute (null: answers without it), matching every filter. */
  byValue?: ValueCount[]
  neighboursByValue?: ValueCount[][]
}

export interface CellCounts { dist: number[], invited: number }

export interface Cell {
  n: number
  dist: number[]
  reason: SuppressionReason | null
}

export interface Bucket extends Cell {
  start: string
  end: string
  covers: { from: string, to: string } | null
  invited: number
  delivered: number
}

export interface Group extends Cell { value: string | null }

export interface Assembled {
  total: Cell & { invited: number, delivered: number }
  series?: Bucket[]
  groups?: Group[]
}

export const MAX_BUCKETS = 1500

export interface AssembleInput {
  scale: Scale
  min: number
  /** The release blocks of the period, ascending by first day (of several surveys, they may overlap). */
  blocks: Block[]
  counts: Counts
  /** Invitations delivered per (anchored) day of the period. */
  delivered: ReadonlyArray<readonly [string, number]>
  interval?: Interval | undefined
}

function add (into: number[], scale: Scale, score: number, n: number): void {
  into[score - scale.min]! += n
}

const sum = (dist: Distribution): number => dist.reduce((a, b) => a + b, 0)

function byBucket (rows: readonly DayCount[], interval: Interval, scale: Scale): Map<string, CellCounts> {
  const out = new Map<string, CellCounts>()
  for (const r of rows) {
    const key = bucketStart(r.day, interval)
    let c = out.get(key)
    if (c === undefined) out.set(key, c = { dist: emptyDistribution(scale), invited: 0 })
    add(c.dist, scale, r.score, r.n)
    c.invited += r.invited
  }
  return out
}

function byValue (rows: readonly ValueCount[], scale: Scale): Map<string | null, number[]> {
  const out = new Map<string | null, number[]>()
  for (const r of rows) {
    let d = out.get(r.value)
    if (d === undefined) out.set(r.value, d = emptyDistribution(scale))
    add(d, scale, r.score, r.n)
  }
  return out
}

function totalOf (rows: readonly DayCount[], scale: Scale): CellCounts {
  const dist = emptyDistribution(scale)
  let invited = 0
  for (const r of rows) {
    add(dist, scale, r.score, r.n)
    invited += r.invited
  }
  return { dist, invited }
}

/**
 * Assembles the total, the series and the groups, and suppresses: each cell below the minimum or
 * with a small complement (SPEC §2.4), then complementary suppression within the series and within
 * the groups (SPEC §2.5); nothing inside a suppressed total is shown.
 */
export function assemble (input: AssembleInput): Assembled {
  const { scale, min, blocks, counts } = input
  const t = totalOf(counts.byDay, scale)
  const n = sum(t.dist)
  const delivered = input.delivered.reduce((acc, [, d]) => acc + d, 0)
  const total: Assembled['total'] = {
    n,
    dist: t.dist,
    invited: t.invited,
    delivered,
    reason: cellReason(n, counts.neighboursByDay.map(rows => rows.reduce((acc, r) => acc + r.n, 0)), min)
  }
  const out: Assembled = { total }
  let suppressTotal = false

  if (input.interval !== undefined) {
    const interval = input.interval
    const mine = byBucket(counts.byDay, interval, scale)
    const neighbours = counts.neighboursByDay.map(rows => byBucket(rows, interval, scale))
    const deliveredBy = new Map<string, number>()
    for (const [day, d] of input.delivered) {
      const key = bucketStart(day, interval)
      deliveredBy.set(key, (deliveredBy.get(key) ?? 0) + d)
    }
    const covered = new Map<string, { from: string, to: string }>()
    for (const b of blocks) {
      const key = bucketStart(b.from, interval)
      const c = covered.get(key)
      covered.set(key, c === undefined ? { from: b.from, to: b.to } : { from: c.from, to: b.to > c.to ? b.to : c.to })
    }
    const first = blocks[0]?.from
    const last = blocks.reduce<string | undefined>((max, b) => max === undefined || b.to > max ? b.to : max, undefined)
    const starts = first === undefined || last === undefined ? [] : bucketStarts(first, last, interval, MAX_BUCKETS) ?? []
    const series: Bucket[] = starts.map(start => {
      const c = mine.get(start) ?? { dist: emptyDistribution(scale), invited: 0 }
      const bn = sum(c.dist)
      return {
        start,
        end: bucketEnd(start, interval),
        covers: covered.get(start) ?? null,
        n: bn,
        dist: c.dist,
        invited: c.invited,
        delivered: deliveredBy.get(start) ?? 0,
        reason: cellReason(bn, neighbours.map(m => sum(m.get(start)?.dist ?? [])), min)
      }
    })
    if (total.reason === null) {
      const result = complementary(series, min)
      series.forEach((b, i) => { b.reason = result.reasons[i]! })
      suppressTotal ||= result.suppressTotal
    }
    out.series = series
  }

  if (counts.byValue !== undefined) {
    const mine = byValue(counts.byValue, scale)
    const neighbours = (counts.neighboursByValue ?? []).map(rows => byValue(rows, scale))
    const values = [...mine.keys()].sort((a, b) => a === null ? 1 : b === null ? -1 : a < b ? -1 : a > b ? 1 : 0)
    const groups: Group[] = values.map(value => {
      const dist = mine.get(value)!
      const gn = sum(dist)
      return { value, n: gn, dist, reason: cellReason(gn, neighbours.map(m => sum(m.get(value) ?? [])), min) }
    })
    if (total.reason === null) {
      const result = complementary(groups, min)
      groups.forEach((g, i) => { g.reason = result.reasons[i]! })
      suppressTotal ||= result.suppressTotal
    }
    out.groups = groups
  }

  if (suppressTotal) total.reason = 'complementary'
  if (total.reason !== null) {
    for (const cell of [...out.series ?? [], ...out.groups ?? []]) cell.reason ??= 'complementary'
  }
  return out
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits))

/** The metric block, rounded for reading: percentages and NPS to 0.1, means to 0.01. */
export function presentMetric (metric: Metric, dist: Distribution): Record<string, unknown> | null {
  const m = computeMetric(metric, dist)
  if (m === null) return null
  if (m.metric === 'nps') {
    const v = m.value
    return { ...v, score: round(v.score, 1), margin_of_error: round(v.margin_of_error, 1), adjusted_wald: { low: round(v.adjusted_wald.low, 1), high: round(v.adjusted_wald.high, 1) } }
  }
  if (m.metric === 'csat') {
    const v = m.value
    return { ...v, score: round(v.score, 1), mean: round(v.mean, 2), margin_of_error: round(v.margin_of_error, 1), adjusted_wald: { low: round(v.adjusted_wald.low, 1), high: round(v.adjusted_wald.high, 1) } }
  }
  const v = m.value
  return { ...v, score: round(v.score, 2), mean: round(v.mean, 2), easy_percent: round(v.easy_percent, 1), margin_of_error: round(v.margin_of_error, 2) }
}

/** What a reader sees of a cell: its count always, its scores only when not suppressed. */
export function presentCell (metric: Metric, scale: Scale, cell: Cell): Record<string, unknown> {
  const shown = cell.reason === null && cell.n > 0
  return {
    responses: cell.n,
    suppressed: cell.reason !== null,
    suppression_reason: cell.reason,
    [metric]: shown ? presentMetric(metric, cell.dist) : null,
    distribution: shown ? cell.dist.map((count, i) => ({ score: i + scale.min, count })) : null
  }
}

export function responseRate (invited: number, delivered: number): { responses: number, delivered: number, percent: number | null } {
  return { responses: invited, delivered, percent: delivered === 0 ? null : round(100 * invited / delivered, 1) }
}
