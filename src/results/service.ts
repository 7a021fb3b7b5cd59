import type { DbOrTx } from '../db/client.js'
import { InvalidFieldError, NotFoundError } from '../errors.js'
import { coarsenToDay } from '../responses/coarsen.js'
import { SCALES, type Metric, type Scale } from '../surveys/defaults.js'
import { getSurveyRow } from '../surveys/service.js'
import type { SurveyRow } from '../surveys/tables.js'
import { type Assembled, assemble, MAX_BUCKETS, presentCell, responseRate } from './engine/cells.js'
import { DEFINITIONS, emptyDistribution } from './engine/metrics.js'
import {
  type Block,
  blockOf,
  blocksInPeriod,
  bucketStart,
  bucketStarts,
  type Interval,
  type Release,
  releaseBlocks
} from './engine/periods.js'
import { attributeResults } from './engine/attributes.js'
import { DecidedMonths } from './engine/decided-months.js'
import { placeTeamItems, sharedItems } from './engine/team-items.js'
import { monthsInPeriod, releaseMonths } from './engine/months.js'
import { loadQuestion, type QuestionData } from './engine/question.js'
import { type ItemDefinition } from './engine/item-present.js'
import { groupable, isItemKey, itemOfKey } from './engine/item-values.js'
import * as repo from './storage/repository.js'
import {
  ATTRIBUTE_NAME, ITEM_QUESTION_KEY, type SurveyResults, type TeamResults, type TeamResultsQuery
} from './schemas.js'

const PENDING_ORDER = ['today', 'answers', 'invited', 'people'] as const

export interface ResultsOptions {
  from?: string | undefined
  to?: string | undefined
  interval?: Interval | undefined
  group_by?: string | undefined
}

const SUPPRESSION =
  'Answers are released in blocks of at least min_group_size answers, from days before today only, per channel: ' +
  'answers to invitations none or at least min_group_size, answers through collectors none or from at least ' +
  'min_group_size different clients (docs/anonymity.md). A period widens to whole blocks. Questions about ' +
  'attributes (filters, group_by) count complete months only (a block counts in the month it starts in) and widen ' +
  'the period to whole months. A total, group or bucket with fewer than min_group_size answers shows only its ' +
  'count. Each month is decided on its own: where a cell is suppressed, the next-smallest cells beside it (in every ' +
  "grouping of the question's attributes and the month's blocks) are too, until at least two hold at least " +
  'min_group_size answers together; a filter whose complement is small is suppressed that way. Nothing inside a ' +
  'suppressed cell is shown. A cell over several months shows only when it shows in each of them (else reason ' +
  '"period"). Cells are decided on people: answers to invitations plus distinct collector clients. Comments are ' +
  'released in blocks of min_comment_group_size comments, per channel as answers. Item results count complete ' +
  'months, each item decided like a cell on the people who answered it (docs/results.md, "Items").'

const spanOf = (blocks: readonly Block[]): repo.Period | null =>
  blocks.length === 0 ? null : { from: blocks[0]!.from, to: blocks.at(-1)!.to }

export interface Released {
  /** The release blocks the asked period touches. */
  blocks: Block[]
  period: repo.Period | null
  pending: number
  waiting: Release['waiting']
}

/** The survey's release blocks that a requested period touches (see periods.ts). */
export async function released (
  db: DbOrTx,
  survey: SurveyRow,
  today: string,
  from?: string,
  to?: string,
  min = survey.minGroupSize
): Promise<Released> {
  return releasedOf(releaseBlocks(await repo.answeredDays(db, survey.id), min, today), from, to)
}

function releasedOf (release: Release, from?: string, to?: string): Released {
  const range = blocksInPeriod(release.blocks, from, to)
  const blocks = range === null ? [] : release.blocks.slice(range[0], range[1] + 1)
  return { blocks, period: spanOf(blocks), pending: release.pending, waiting: release.waiting }
}

/** A day counts in the bucket its release block starts in, so that buckets hold whole blocks. */
function bucketer (blocks: readonly Block[], interval: Interval | undefined): ((day: string) => string) | undefined {
  if (interval === undefined) return undefined
  return day => {
    const i = blockOf(blocks, day)
    return bucketStart(i < 0 ? day : blocks[i]!.from, interval)
  }
}

function deliveredPerBucket (
  rows: ReadonlyArray<readonly [string, number]>,
  bucketOf: ((day: string) => string) | undefined
): Map<string, number> {
  const out = new Map<string, number>()
  for (const [day, n] of rows) {
    const key = bucketOf === undefined ? '' : bucketOf(day)
    out.set(key, (out.get(key) ?? 0) + n)
  }
  return out
}

function definition (
  survey: Pick<SurveyRow, 'metric' | 'minGroupSize' | 'minCommentGroupSize'>
): SurveyResults['definition'] {
  return {
    metric: survey.metric,
    scale: SCALES[survey.metric],
    rule: DEFINITIONS[survey.metric],
    min_group_size: survey.minGroupSize,
    min_comment_group_size: survey.minCommentGroupSize,
    suppression: SUPPRESSION
  }
}

/** A filter or group_by `item.<key>` must name a yes/no or choice item of the survey (docs/results.md). */
function checkItemKey (survey: Pick<SurveyRow, 'items'>, key: string, field: string): void {
  if (!isItemKey(key)) return
  const item = survey.items.find(i => i.key === itemOfKey(key))
  if (item === undefined || !groupable(item.type)) {
    throw new InvalidFieldError(field, 'item.<key> must name a yes_no or choice item of the survey')
  }
}

function checkQuery (filters: Array<[string, string]>, q: ResultsOptions, survey: Pick<SurveyRow, 'items'>): void {
  for (const [key] of filters) {
    checkItemKey(survey, key, `query.${key}`)
    if (!ATTRIBUTE_NAME.test(key) && !ITEM_QUESTION_KEY.test(key)) {
      throw new InvalidFieldError(
        `query.${key}`,
        'is neither a parameter nor an attribute name (1–64 letters, digits, _ or -)'
      )
    }
  }
  if (q.group_by !== undefined) checkItemKey(survey, q.group_by, 'query.group_by')
  if (q.group_by !== undefined && filters.some(([key]) => key === q.group_by)) {
    throw new InvalidFieldError('query.group_by', 'cannot group by an attribute that is also filtered on')
  }
  if ((filters.length > 0 || q.group_by !== undefined) && (q.interval === 'day' || q.interval === 'week')) {
    // Weeks and days do not nest in months: two grids could be subtracted from each other.
    throw new InvalidFieldError(
      'query.interval',
      'must be month (or left out) for a question about attributes (filters or group_by): ' +
        'they are answered per complete month (a release block counts in the month it starts in)'
    )
  }
}

function checkBuckets (period: repo.Period | null, interval: Interval | undefined): void {
  if (
    period !== null &&
    interval !== undefined &&
    bucketStarts(period.from, period.to, interval, MAX_BUCKETS) === null
  ) {
    throw new InvalidFieldError(
      'query.interval',
      `gives more than ${MAX_BUCKETS} buckets over ${period.from}–${period.to}; ` +
        'choose a longer interval or a shorter period'
    )
  }
}

function present (metric: Metric, scale: Scale, a: Assembled, withRate: boolean, items: readonly ItemDefinition[]) {
  return {
    ...presentCell(metric, scale, a.total, items),
    response_rate: withRate ? responseRate(a.total.invited, a.total.delivered) : null,
    ...(a.series === undefined
      ? {}
      : {
          series: a.series.map(b => ({
            start: b.start,
            end: b.end,
            covers: b.covers,
            ...presentCell(metric, scale, b, items),
            response_rate: withRate ? responseRate(b.invited, b.delivered) : null
          }))
        }),
    ...(a.groups === undefined
      ? {}
      : { groups: a.groups.map(g => ({ value: g.value, ...presentCell(metric, scale, g, items) })) })
  }
}

/** GET /v1/surveys/:id/results (docs/api.md): the suppressed aggregates of one survey. */
export async function surveyResults (
  db: DbOrTx,
  kept: DecidedMonths,
  surveyId: string,
  query: ResultsOptions,
  now: Date,
  filters: Array<[string, string]> = []
): Promise<SurveyResults> {
  const survey = await getSurveyRow(db, surveyId)
  checkQuery(filters, query, survey)
  const itemKeys = survey.items.map(i => i.key)
  const scale = SCALES[survey.metric]
  const today = coarsenToDay(now)
  const release = releaseBlocks(await repo.answeredDays(db, survey.id), survey.minGroupSize, today)
  const groupBy = query.group_by
  const withRate = filters.length === 0
  let a: Assembled
  let period: repo.Period | null
  let itemsPeriod: repo.Period | null
  let pending = release.pending
  const reasons: SurveyResults['pending_reasons'] = [...release.waiting]
  if (filters.length === 0 && groupBy === undefined) {
    const rel = releasedOf(release, query.from, query.to)
    period = rel.period
    checkBuckets(period, query.interval)
    const bucketOf = bucketer(rel.blocks, query.interval)
    const data: QuestionData =
      period === null
        ? { keys: [], cube: [], main: new Map() }
        : await loadQuestion(
          db,
          {
            surveyId: survey.id,
            period,
            bucketOf,
            blockOf: day => rel.blocks[blockOf(rel.blocks, day)]?.from ?? day
          },
          scale
        )
    a = assemble({
      scale,
      min: survey.minGroupSize,
      data,
      blocks: rel.blocks,
      bucketOfBlock: bucketOf === undefined ? undefined : b => bucketOf(b.from),
      interval: query.interval,
      delivered: period === null
        ? new Map()
        : deliveredPerBucket(await repo.deliveredByDay(db, survey.id, period), bucketOf)
    })
    // Item results count the complete release months inside the period (docs/results.md, "Items").
    const within = period
    const months = within === null
      ? []
      : releaseMonths(release, today).filter(m => m.from >= within.from && m.to <= within.to)
    itemsPeriod = spanOf(months.flatMap(m => m.blocks))
    // Without items nothing more is read: whole-survey questions stay on response_counts.
    const items = itemKeys.length === 0
      ? { total: { items: new Map() } }
      : await attributeResults(db, kept, {
        survey, scale, months, filters: [], series: query.interval === 'month', delivered: new Map(), items: itemKeys
      })
    a.total.items = items.total.items
    const byMonth = new Map(('series' in items ? items.series ?? [] : []).map(b => [b.start, b.items]))
    for (const b of a.series ?? []) {
      const monthly = query.interval === 'month' ? byMonth.get(b.start) : undefined
      if (monthly !== undefined) b.items = monthly
    }
  } else {
    // Questions about attributes: complete release months only (engine/months.ts, engine/attributes.ts).
    const complete = releaseMonths(release, today)
    const months = monthsInPeriod(complete, query.from, query.to)
    const blocks = months.flatMap(m => m.blocks)
    period = spanOf(blocks)
    const incomplete = release.blocks.reduce((acc, b) => acc + b.n, 0) - complete.reduce((acc, m) => acc + m.n, 0)
    pending += incomplete
    if (incomplete > 0) reasons.push('month')
    const monthOf = (day: string): string => (blocks[blockOf(blocks, day)]?.from ?? day).slice(0, 7)
    const delivered = new Map<string, number>()
    if (withRate && period !== null) {
      for (const [day, n] of await repo.deliveredByDay(db, survey.id, period)) {
        delivered.set(monthOf(day), (delivered.get(monthOf(day)) ?? 0) + n)
      }
    }
    const series = query.interval === 'month'
    const question = { survey, scale, months, filters, groupBy, series, delivered, items: itemKeys }
    a = await attributeResults(db, kept, question)
    itemsPeriod = period
  }
  return {
    survey: { id: survey.id, name: survey.name, kind: survey.kind, team: survey.team, metric: survey.metric },
    filters: Object.fromEntries(filters),
    period,
    requested: { from: query.from ?? null, to: query.to ?? null },
    pending_responses: pending,
    pending_reasons: reasons,
    ...present(survey.metric, scale, a, withRate, survey.items),
    items_period: itemsPeriod,
    definition: definition(survey),
    ...(query.interval === undefined ? {} : { interval: query.interval }),
    ...(groupBy === undefined ? {} : { group_by: groupBy })
  } as SurveyResults
}

/**
 * GET /v1/results (docs/api.md): one team's metric over all its surveys with that metric. Each survey
 * is released in its own blocks, placed in buckets by its own blocks; the sum is suppressed with
 * the largest minimum among the surveys.
 */
export async function teamResults (
  db: DbOrTx, query: TeamResultsQuery, now: Date, kept: DecidedMonths = new DecidedMonths()
): Promise<TeamResults> {
  const list = await repo.surveysOf(db, query.team, query.metric)
  if (list.length === 0) throw new NotFoundError(`surveys of team "${query.team}" with metric ${query.metric}`)
  const scale = SCALES[query.metric]
  const today = coarsenToDay(now)
  const min = Math.max(...list.map(s => s.minGroupSize))
  const parts: Array<{ survey: SurveyRow, rel: Released }> = []
  for (const survey of list) parts.push({ survey, rel: await released(db, survey, today, query.from, query.to) })
  const blocks = parts.flatMap(p => p.rel.blocks)
  const period =
    blocks.length === 0
      ? null
      : {
          from: blocks.map(b => b.from).sort()[0]!,
          to: blocks
            .map(b => b.to)
            .sort()
            .at(-1)!
        }
  checkBuckets(period, query.interval)
  const main = new Map<string, { dist: number[]; invited: number }>()
  const delivered = new Map<string, number>()
  const cube = new Map<string, number>()
  const covered: Block[] = []
  for (const { survey, rel } of parts) {
    if (rel.period === null) continue
    const bucketOf = bucketer(rel.blocks, query.interval) ?? (() => '')
    // Without a series, the counts per score (summed in SQL), not every day's: as the survey's own question.
    const counts = query.interval === undefined
      ? (await repo.countsByScore(db, survey.id, rel.period)).map(r => ({ ...r, day: '' }))
      : await repo.countsByDay(db, survey.id, rel.period)
    for (const r of counts) {
      const key = bucketOf(r.day)
      let c = main.get(key)
      if (c === undefined) main.set(key, (c = { dist: emptyDistribution(scale), invited: 0 }))
      c.dist[r.score - scale.min]! += r.n
      c.invited += r.invited
      cube.set(key, (cube.get(key) ?? 0) + r.n)
    }
    for (const [key, n] of deliveredPerBucket(await repo.deliveredByDay(db, survey.id, rel.period), bucketOf)) {
      delivered.set(key, (delivered.get(key) ?? 0) + n)
    }
    covered.push(...rel.blocks)
  }
  covered.sort((x, y) => (x.from < y.from ? -1 : x.from > y.from ? 1 : 0))
  const a = assemble({
    scale,
    min,
    // Across surveys the blocks are not one survey's, so the sum is checked against the largest
    // minimum like any cell: the block key is left as one value.
    data: {
      keys: [],
      cube: [...cube].map(([key, n]) => ({ values: query.interval === undefined ? [''] : ['', key], n })),
      main
    },
    wholeSurveyPublic: false,
    // Blocks of several surveys overlap; for `covers`, each counts in the bucket it starts in.
    blocks: covered,
    bucketOfBlock: query.interval === undefined ? undefined : b => bucketStart(b.from, query.interval!),
    interval: query.interval,
    delivered
  })
  const items = sharedItems(list)
  const itemsPeriod = await placeTeamItems(db, kept, a, {
    parts: parts.map(p => ({ survey: p.survey, period: p.rel.period })),
    items,
    scale,
    min,
    today,
    interval: query.interval
  })
  return {
    team: query.team,
    metric: query.metric,
    surveys: parts.map(p => ({
      id: p.survey.id,
      name: p.survey.name,
      kind: p.survey.kind,
      status: p.survey.status,
      responses: p.rel.blocks.reduce((acc, b) => acc + b.n, 0)
    })),
    period,
    requested: { from: query.from ?? null, to: query.to ?? null },
    pending_responses: parts.reduce((acc, p) => acc + p.rel.pending, 0),
    pending_reasons: PENDING_ORDER.filter(r => parts.some(p => p.rel.waiting.includes(r))),
    ...present(query.metric, scale, a, true, items),
    items_period: itemsPeriod,
    definition: definition({
      metric: query.metric,
      minGroupSize: min,
      minCommentGroupSize: Math.max(...list.map(s => s.minCommentGroupSize))
    }),
    ...(query.interval === undefined ? {} : { interval: query.interval })
  } as TeamResults
}
