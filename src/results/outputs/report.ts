import type { DbOrTx } from '../../db/client.js'
import { coarsenToDay } from '../../responses/coarsen.js'
import type { Locale } from '../../schemas.js'
import { DEFAULT_QUESTIONS, withDefaults } from '../../surveys/defaults.js'
import { getSurveyRow } from '../../surveys/service.js'
import { barChart, groupChart, lineChart, type Range } from './charts.js'
import { blocksWithin, bucketStart, type Interval, nextBucket, releaseBlocks } from '../engine/periods.js'
import { count, fill, REPORT_TEXT } from './report-text.js'
import * as repo from '../storage/repository.js'
import type { DecidedMonths } from '../engine/decided-months.js'
import type { SurveyResults } from '../schemas.js'
import type { ShareLinkOptions } from '../storage/tables.js'
import { released, surveyResults } from '../service.js'
import { surveyTargetStatus } from '../../targets/service.js'
import { surveyItemTargetStatus } from '../../targets/item-service.js'
import { itemTargetLine, targetLine } from '../../targets/text.js'
import { type ItemResultView, itemSections } from './report-items.js'

const MAX_COMMENTS = 200
const RANGES: Record<'nps' | 'csat' | 'ces', { range: Range; ticks: number[] }> = {
  nps: { range: { min: -100, max: 100 }, ticks: [-100, -50, 0, 50, 100] },
  csat: { range: { min: 0, max: 100 }, ticks: [0, 25, 50, 75, 100] },
  ces: { range: { min: 1, max: 7 }, ticks: [1, 2, 3, 4, 5, 6, 7] }
}

interface Score {
  score: number
  margin_of_error: number
  adjusted_wald?: { low: number; high: number }
}

/**
 * Everything the report page shows, from the same suppressed results the API gives, plus the
 * comments a larger group allows. Charts are SVG strings made here; the template escapes the rest.
 */
/**
 * The breakdown by an attribute over the report's complete months, or over a later part of them:
 * a group over several months shows only where every month shows it, so one small month (often
 * the survey's first, partly answered one) would hide a group over the whole period. Of the runs
 * of months that end with the period's last, the one showing the most groups (ties: the longest)
 * is drawn. Each candidate is a question anyone could ask the results API, and the choice reads
 * only what those answers show (which groups are shown), so it reveals nothing they do not.
 */
async function breakdown (
  db: DbOrTx,
  kept: DecidedMonths,
  surveyId: string,
  options: ShareLinkOptions & { group_by: string },
  now: Date
): Promise<SurveyResults> {
  const ask = (from: string | undefined): Promise<SurveyResults> =>
    surveyResults(db, kept, surveyId, { from, to: options.to, group_by: options.group_by }, now)
  const shown = (r: SurveyResults): number => (r.groups ?? []).filter(g => !g.suppressed).length
  let best = await ask(options.from)
  if (best.period === null || (best.groups ?? []).every(g => g.suppression_reason !== 'period')) return best
  const later: string[] = []
  for (
    let month = nextBucket(bucketStart(best.period.from, 'month'), 'month');
    month <= best.period.to;
    month = nextBucket(month, 'month')
  ) { later.push(month) }
  for (const from of later) {
    const candidate = await ask(from)
    if (shown(candidate) > shown(best)) best = candidate
  }
  return best
}

export async function reportContext (
  db: DbOrTx,
  kept: DecidedMonths,
  surveyId: string,
  options: ShareLinkOptions,
  now: Date
): Promise<Record<string, unknown>> {
  const survey = await getSurveyRow(db, surveyId)
  const locale: Locale = options.locale ?? survey.defaultLocale
  const t = REPORT_TEXT[locale]
  const number = new Intl.NumberFormat(locale === 'nb' ? 'nb-NO' : locale, { maximumFractionDigits: 2 })
  const date = new Intl.DateTimeFormat(locale === 'nb' ? 'nb-NO' : locale, { dateStyle: 'medium', timeZone: 'UTC' })
  const day = (d: string): string => date.format(new Date(`${d}T00:00:00Z`))
  const today = coarsenToDay(now)
  const { period } = await released(db, survey, today, options.from, options.to)
  const spanDays = period === null ? 0 : (Date.parse(period.to) - Date.parse(period.from)) / 86_400_000
  const interval: Interval = options.interval ?? (spanDays <= 120 ? 'week' : 'month')
  const groupBy = options.group_by ?? await repo.mostCommonAttribute(db, survey.id)
  // The headline and the series are whole-survey numbers (release blocks, any interval); the
  // breakdown is a question about an attribute, answered on complete months (engine/attributes.ts).
  const r = await surveyResults(db, kept, survey.id, { from: options.from, to: options.to, interval }, now)
  const byGroup =
    groupBy === undefined ? undefined : await breakdown(db, kept, survey.id, { ...options, group_by: groupBy }, now)
  const metric = survey.metric
  const scoreOf = (cell: Record<string, unknown>): Score | null => (cell[metric] as Score | null | undefined) ?? null
  const { range, ticks } = RANGES[metric]
  const headline = scoreOf(r)
  const metricName = metric.toUpperCase()
  // Judged on the survey's latest release block, whatever period the report shows.
  const target = await surveyTargetStatus(db, kept, survey, now)
  // Item results count complete months: their series is always by month.
  const monthly = interval === 'month' || survey.items.length === 0
    ? r
    : await surveyResults(db, kept, survey.id, { from: options.from, to: options.to, interval: 'month' }, now)
  type WithItems = { items?: Record<string, ItemResultView> | null, items_period?: { from: string, to: string } | null }
  const items = itemSections({
    survey,
    locale,
    total: (r as WithItems).items,
    period: (r as WithItems).items_period ?? null,
    months: (monthly.series ?? []) as unknown as Array<{ start: string } & WithItems>,
    targets: new Map((await surveyItemTargetStatus(db, kept, survey, now))
      .map(s => [s.item, itemTargetLine(s, locale, n => number.format(n), day)])),
    number: n => number.format(n),
    day
  })

  const series = (r.series ?? []).map(b => {
    const s = scoreOf(b)
    const label = interval === 'month' ? b.start.slice(0, 7) : b.start
    return {
      label,
      value: s?.score ?? null,
      moe: s?.margin_of_error ?? null,
      title:
        s === null
          ? `${label}: ${count(t.hidden, b.responses ?? 0)}`
          : `${label}: ${number.format(s.score)} ±${number.format(s.margin_of_error)}, ` +
            count(t.answers, b.responses ?? 0)
    }
  })
  const groups = (byGroup?.groups ?? []).map(g => {
    const s = scoreOf(g)
    return {
      label: g.value ?? t.notSet,
      value: s?.score ?? null,
      moe: s?.margin_of_error ?? null,
      note: s === null
        ? count(t.hidden, g.responses ?? 0)
        : `${number.format(s.score)} · ${count(t.answers, g.responses ?? 0)}`
    }
  })

  let comments: string[] = []
  let commentCount = 0
  let commentsAllowed = !r.suppressed && period !== null && (r.responses ?? 0) >= survey.minCommentGroupSize
  if (commentsAllowed) {
    // Comments are released in their own blocks of comments that lie wholly inside the period.
    const commentRelease = releaseBlocks(await repo.commentedDays(db, survey.id), survey.minCommentGroupSize, today)
    const blocks = blocksWithin(commentRelease.blocks, period!.from, period!.to)
    commentsAllowed = blocks.length > 0
    if (blocks.length > 0) {
      const commentPeriod = { from: blocks[0]!.from, to: blocks.at(-1)!.to }
      comments = await repo.commentsIn(db, survey.id, commentPeriod, MAX_COMMENTS)
      commentCount = await repo.countComments(db, survey.id, commentPeriod)
    }
  }

  return {
    lang: locale,
    title: `${survey.name} · ${t.report}`,
    t,
    survey: {
      name: survey.name,
      question: withDefaults(survey.question, DEFAULT_QUESTIONS[metric])[locale],
      metric: metricName
    },
    period: period === null ? null : `${day(period.from)} – ${day(period.to)}`,
    responses: number.format(r.responses ?? 0),
    pending: r.pending_responses > 0 ? count(t.pending, r.pending_responses, { min: survey.minGroupSize }) : null,
    // Why they wait (docs/anonymity.md, "Readers who can also answer").
    waiting: r.pending_reasons.map(reason => fill(t.waiting[reason], { min: survey.minGroupSize })),
    suppressed: r.suppressed ? fill(t.suppressed, { min: survey.minGroupSize }) : null,
    target: target === null ? null : targetLine(target, locale, n => number.format(n), day),
    headline:
      headline === null
        ? null
        : {
            score: number.format(headline.score),
            moe: fill(t.marginOfError, { moe: number.format(headline.margin_of_error) }),
            adjusted:
              headline.adjusted_wald === undefined
                ? null
                : fill(t.adjusted, {
                  low: number.format(headline.adjusted_wald.low),
                  high: number.format(headline.adjusted_wald.high)
                })
          },
    responseRate:
      r.response_rate?.percent == null
        ? null
        : {
            percent: `${number.format(r.response_rate.percent)} %`,
            detail: count(t.ofDelivered, r.response_rate.delivered, {
              r: r.response_rate.responses,
              d: r.response_rate.delivered
            })
          },
    seriesChart: series.some(p => p.value !== null)
      ? lineChart(series, range, ticks, `${metricName} · ${t.overTime}`)
      : null,
    distributionChart:
      r.distribution === null
        ? null
        : barChart(
          r.distribution.map(d => ({
            label: String(d.score),
            value: d.count,
            title: `${d.score}: ${count(t.answers, d.count)}`
          })),
          t.distribution
        ),
    breakdown:
      groupBy === undefined || groups.length === 0 || byGroup?.period == null
        ? null
        : {
            heading: fill(t.breakdown, { attribute: groupBy }),
            note: fill(t.breakdownMonths, { from: day(byGroup.period.from), to: day(byGroup.period.to) }),
            chart: groupChart(groups, range, fill(t.breakdown, { attribute: groupBy }))
          },
    items,
    comments: commentsAllowed
      ? {
          list: comments,
          more:
            commentCount > comments.length ? fill(t.moreComments, { shown: comments.length, n: commentCount }) : null
        }
      : null,
    commentsHidden: commentsAllowed ? null : fill(t.commentsHidden, { min: survey.minCommentGroupSize }),
    definition: r.definition.rule,
    suppressionRule: r.definition.suppression,
    generated: fill(t.generated, { at: date.format(now) })
  }
}
