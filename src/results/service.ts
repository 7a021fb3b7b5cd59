import type { DbOrTx } from '../db/client.js'
import { InvalidFieldError, NotFoundError } from '../errors.js'
import { coarsenToDay } from '../responses/coarsen.js'
import { SCALES, type Metric, type Scale } from '../surveys/defaults.js'
import { getSurveyRow } from '../surveys/service.js'
import type { SurveyRow } from '../surveys/tables.js'
import { assemble, type Assembled, type Counts, type DayCount, MAX_BUCKETS, presentCell, responseRate, type ValueCount } from './cells.js'
import { DEFINITIONS, emptyDistribution } from './metrics.js'
import { blockOf, blocksInPeriod, bucketStarts, type Block, type Interval, releaseBlocks } from './periods.js'
import * as repo from './repository.js'
import { ATTRIBUTE_NAME, type SurveyResults, type TeamResults, type TeamResultsQuery } from './schemas.js'

export interface ResultsOptions {
  from?: string | undefined
  to?: string | undefined
  interval?: Interval | undefined
  group_by?: string | undefined
}

const SUPPRESSION = 'Answers are released in blocks of at least min_group_size answers, days before today only; the period is widened to whole ' +
  'blocks. Any total, group or bucket with fewer than min_group_size answers, or whose difference to the same question without one ' +
  'of its filters is smaller than that, shows only its count. Where a group or bucket is suppressed, the next-smallest ones are too, ' +
  'until at least two hold at least min_group_size answers together. Comments need min_comment_group_size.'

export interface Released {
  blocks: Block[]
  period: repo.Period | null
  pending: number
}

/** The release blocks of a survey that a requested period touches (see periods.ts). */
export function released (db: DbOrTx, survey: SurveyRow, today: string, from?: string, to?: string, min = survey.minGroupSize): Released {
  const release = releaseBlocks(repo.answeredDays(db, survey.id), min, today)
  const range = blocksInPeriod(release.blocks, from, to)
  const blocks = range === null ? [] : release.blocks.slice(range[0], range[1] + 1)
  const period = blocks.length === 0 ? null : { from: blocks[0]!.from, to: blocks.at(-1)!.to }
  return { blocks, period, pending: release.pending }
}

function definition (survey: Pick<SurveyRow, 'metric' | 'minGroupSize' | 'minCommentGroupSize'>): SurveyResults['definition'] {
  return {
    metric: survey.metric,
    scale: SCALES[survey.metric],
    rule: DEFINITIONS[survey.metric],
    min_group_size: survey.minGroupSize,
    min_comment_group_size: survey.minCommentGroupSize,
    suppression: SUPPRESSION
  }
}

/** Moves each day to the first day of its release block, so that a block counts in one bucket. */
function anchored<T extends { day: string }> (blocks: Block[], rows: T[]): T[] {
  return rows.map(r => {
    const i = blockOf(blocks, r.day)
    return i < 0 ? r : { ...r, day: blocks[i]!.from }
  })
}

function anchoredDays (blocks: Block[], days: Array<[string, number]>): Array<[string, number]> {
  return anchored(blocks, days.map(([day, n]) => ({ day, n }))).map(r => [r.day, r.n])
}

/** All answers minus those carrying some value of `attribute`: the answers without it. */
function withMissing (total: readonly DayCount[], values: ValueCount[], scale: Scale): ValueCount[] {
  const missing = emptyDistribution(scale)
  for (const r of total) missing[r.score - scale.min]! += r.n
  for (const r of values) missing[r.score - scale.min]! -= r.n
  return [...values, ...missing.flatMap((n, i) => n > 0 ? [{ value: null, score: i + scale.min, n }] : [])]
}

/**
 * Loads the counts for a question. The rollup answers whole-survey questions and questions about
 * one attribute (a filter, or a grouping); anything about two attributes at once scans the answers.
 */
export function loadCounts (db: DbOrTx, surveyId: string, period: repo.Period, filters: ReadonlyArray<repo.Filter>, groupBy: string | undefined, scale: Scale): Counts {
  if (filters.length === 0) {
    const byDay = repo.countsByDay(db, surveyId, period)
    const counts: Counts = { byDay, neighboursByDay: [] }
    if (groupBy !== undefined) counts.byValue = withMissing(byDay, repo.countsByValue(db, surveyId, groupBy, period), scale)
    return counts
  }
  if (filters.length === 1 && groupBy === undefined) {
    return { byDay: repo.countsByDay(db, surveyId, period, filters[0]), neighboursByDay: [repo.countsByDay(db, surveyId, period)] }
  }
  const all = (1 << filters.length) - 1
  // A row belongs to the neighbour without filter i when it matches every other filter.
  const split = <T extends { mask: number }>(rows: T[]): { mine: T[], neighbours: T[][] } => ({
    mine: rows.filter(r => r.mask === all),
    neighbours: filters.map((_, i) => rows.filter(r => (r.mask | (1 << i)) === all))
  })
  const days = split(repo.scanByDay(db, surveyId, period, filters))
  const counts: Counts = { byDay: days.mine, neighboursByDay: days.neighbours }
  if (groupBy !== undefined) {
    const values = split(repo.scanByValue(db, surveyId, period, filters, groupBy))
    counts.byValue = values.mine
    counts.neighboursByValue = values.neighbours
  }
  return counts
}

function checkQuery (filters: Array<[string, string]>, q: { group_by?: string | undefined }): void {
  for (const [key] of filters) {
    if (!ATTRIBUTE_NAME.test(key)) throw new InvalidFieldError(`query.${key}`, 'is neither a parameter nor an attribute name (1–64 letters, digits, _ or -)')
  }
  if (q.group_by !== undefined && filters.some(([key]) => key === q.group_by)) {
    throw new InvalidFieldError('query.group_by', 'cannot group by an attribute that is also filtered on')
  }
}

function checkBuckets (period: repo.Period | null, interval: Interval | undefined): void {
  if (period !== null && interval !== undefined && bucketStarts(period.from, period.to, interval, MAX_BUCKETS) === null) {
    throw new InvalidFieldError('query.interval', `gives more than ${MAX_BUCKETS} buckets over ${period.from}–${period.to}; choose a longer interval or a shorter period`)
  }
}

function presentSeriesAndTotal (metric: Metric, scale: Scale, a: Assembled, withRate: boolean) {
  return {
    ...presentCell(metric, scale, a.total),
    response_rate: withRate ? responseRate(a.total.invited, a.total.delivered) : null,
    ...(a.series === undefined
      ? {}
      : {
          series: a.series.map(b => ({
            start: b.start,
            end: b.end,
            covers: b.covers,
            ...presentCell(metric, scale, b),
            response_rate: withRate ? responseRate(b.invited, b.delivered) : null
          }))
        })
  }
}

/** GET /v1/surveys/:id/results (SPEC §3): the suppressed aggregates of one survey. */
export function surveyResults (db: DbOrTx, surveyId: string, query: ResultsOptions, now: Date, filters: Array<[string, string]> = []): SurveyResults {
  const survey = getSurveyRow(db, surveyId)
  checkQuery(filters, query)
  const scale = SCALES[survey.metric]
  const rel = released(db, survey, coarsenToDay(now), query.from, query.to)
  checkBuckets(rel.period, query.interval)
  const counts: Counts = rel.period === null
    ? { byDay: [], neighboursByDay: filters.map(() => []), ...(query.group_by === undefined ? {} : { byValue: [], neighboursByValue: [] }) }
    : loadCounts(db, survey.id, rel.period, filters, query.group_by, scale)
  const delivered = rel.period === null || filters.length > 0 ? [] : repo.deliveredByDay(db, survey.id, rel.period)
  const a = assemble({
    scale,
    min: survey.minGroupSize,
    blocks: rel.blocks,
    counts: { ...counts, byDay: anchored(rel.blocks, counts.byDay), neighboursByDay: counts.neighboursByDay.map(rows => anchored(rel.blocks, rows)) },
    delivered: anchoredDays(rel.blocks, delivered),
    interval: query.interval
  })
  return {
    survey: { id: survey.id, name: survey.name, kind: survey.kind, team: survey.team, metric: survey.metric },
    filters: Object.fromEntries(filters),
    period: rel.period,
    requested: { from: query.from ?? null, to: query.to ?? null },
    pending_responses: rel.pending,
    ...presentSeriesAndTotal(survey.metric, scale, a, filters.length === 0),
    definition: definition(survey),
    ...(query.interval === undefined ? {} : { interval: query.interval }),
    ...(query.group_by === undefined
      ? {}
      : { group_by: query.group_by, groups: a.groups!.map(g => ({ value: g.value, ...presentCell(survey.metric, scale, g) })) })
  } as SurveyResults
}

/**
 * GET /v1/results (SPEC §3): one team's metric over all its surveys with that metric. Each survey
 * keeps its own release blocks; the sum is suppressed with the largest minimum among them.
 */
export function teamResults (db: DbOrTx, query: TeamResultsQuery, now: Date): TeamResults {
  const list = repo.surveysOf(db, query.team, query.metric)
  if (list.length === 0) throw new NotFoundError(`surveys of team "${query.team}" with metric ${query.metric}`)
  const scale = SCALES[query.metric]
  const today = coarsenToDay(now)
  const min = Math.max(...list.map(s => s.minGroupSize))
  const minComments = Math.max(...list.map(s => s.minCommentGroupSize))
  const parts = list.map(survey => {
    const rel = released(db, survey, today, query.from, query.to)
    const byDay = rel.period === null ? [] : repo.countsByDay(db, survey.id, rel.period)
    const delivered = rel.period === null ? [] : repo.deliveredByDay(db, survey.id, rel.period)
    return { survey, rel, byDay, delivered }
  })
  const periods = parts.flatMap(p => p.rel.period === null ? [] : [p.rel.period])
  const period = periods.length === 0
    ? null
    : { from: periods.map(p => p.from).sort()[0]!, to: periods.map(p => p.to).sort().at(-1)! }
  checkBuckets(period, query.interval)
  // Blocks of different surveys overlap, so each survey's days are anchored to its own blocks
  // before the counts are added up.
  const a = assemble({
    scale,
    min,
    blocks: parts.flatMap(p => p.rel.blocks).sort((x, y) => x.from < y.from ? -1 : x.from > y.from ? 1 : 0),
    counts: { byDay: parts.flatMap(p => anchored(p.rel.blocks, p.byDay)), neighboursByDay: [] },
    delivered: parts.flatMap(p => anchoredDays(p.rel.blocks, p.delivered)),
    interval: query.interval
  })
  return {
    team: query.team,
    metric: query.metric,
    surveys: parts.map(p => ({ id: p.survey.id, name: p.survey.name, kind: p.survey.kind, status: p.survey.status, responses: p.byDay.reduce((acc, r) => acc + r.n, 0) })),
    period,
    requested: { from: query.from ?? null, to: query.to ?? null },
    pending_responses: parts.reduce((acc, p) => acc + p.rel.pending, 0),
    ...presentSeriesAndTotal(query.metric, scale, a, true),
    definition: definition({ metric: query.metric, minGroupSize: min, minCommentGroupSize: minComments }),
    ...(query.interval === undefined ? {} : { interval: query.interval })
  } as TeamResults
}
