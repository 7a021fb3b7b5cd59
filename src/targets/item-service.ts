import type { DbOrTx } from '../db/client.js'
import { InvalidFieldError, NotFoundError } from '../errors.js'
import { newId } from '../ids.js'
import { coarsenToDay } from '../responses/coarsen.js'
import type { DecidedMonths } from '../results/engine/decided-months.js'
import { surveyResults, teamResults } from '../results/service.js'
import * as resultsRepo from '../results/storage/repository.js'
import type { Metric } from '../surveys/defaults.js'
import type { ItemType, StoredItem } from '../surveys/items.js'
import { getSurveyRow } from '../surveys/service.js'
import type { SurveyRow } from '../surveys/tables.js'
import { type Estimate, estimate, type ShownItemResult } from './measures.js'
import * as repo from './repository.js'
import { ITEM_TARGET_RULE, type ItemTarget, type ItemTargetStatus } from './schemas.js'
import type { ItemMeasure, ItemTargetRow } from './tables.js'

// Targets on an item's key, for a survey or for a team across its surveys that ask that item
// (docs/integrations.md, "Targets"): FCR ≥ 70 %, a rating's mean ≥ 4.

/** The measures a target may use per item type; the first is the default. */
export const MEASURES: Record<ItemType, readonly ItemMeasure[]> = {
  yes_no: ['yes_percent'],
  rating: ['mean', 'top2_percent'],
  choice: [],
  multi_choice: [],
  text: []
}
const RANGE: Record<ItemMeasure, [number, number]> = { yes_percent: [0, 100], top2_percent: [0, 100], mean: [1, 5] }

export const surveyItemScope = (surveyId: string): string => `survey:${surveyId}`
export const teamItemScope = (team: string): string => `team:${team}`

export function toItemTarget (row: ItemTargetRow): ItemTarget {
  const [kind, ...rest] = row.scope.split(':')
  return {
    scope: kind === 'team' ? 'team' : 'survey',
    survey_id: kind === 'survey' ? rest.join(':') : null,
    team: kind === 'team' ? rest.join(':') : null,
    item: row.item,
    measure: row.measure,
    value: row.value,
    updated_at: row.updatedAt.toISOString()
  }
}

/** The measure a target on these items uses, or a 400 naming the field that does not fit. */
function measureFor (items: StoredItem[], key: string, asked: ItemMeasure | undefined): ItemMeasure {
  const types = [...new Set(items.map(i => i.type))]
  const fitting = types.flatMap(type => MEASURES[type])
  if (fitting.length === 0) {
    throw new InvalidFieldError('params.key',
      `"${key}" is a ${types.join('/')} item; targets go on yes_no items (yes_percent) and rating items ` +
      '(mean, top2_percent)')
  }
  if (asked === undefined) return fitting[0]!
  if (!fitting.includes(asked)) {
    const fits = fitting.join(', ')
    throw new InvalidFieldError('body.measure', `must be one of ${fits} for "${key}" (${types.join('/')})`)
  }
  return asked
}

interface ItemTargetBody { value: number, measure?: ItemMeasure | undefined }

async function put (
  db: DbOrTx, scope: string, items: StoredItem[], key: string, body: ItemTargetBody, now: Date
): Promise<ItemTarget> {
  const measure = measureFor(items, key, body.measure)
  const [min, max] = RANGE[measure]
  if (body.value < min || body.value > max) {
    throw new InvalidFieldError('body.value', `must be between ${min} and ${max} for ${measure}`)
  }
  const row = { id: newId('tgt'), scope, item: key, measure, value: body.value, updatedAt: now }
  return toItemTarget(await repo.upsertItemTarget(db, row))
}

/** PUT /v1/surveys/:id/items/:key/target. */
export async function setSurveyItemTarget (
  db: DbOrTx, surveyId: string, key: string, body: ItemTargetBody, now: Date
): Promise<ItemTarget> {
  const survey = await getSurveyRow(db, surveyId)
  const items = survey.items.filter(i => i.key === key)
  if (items.length === 0) throw new NotFoundError(`item "${key}" of survey`, survey.id)
  return await put(db, surveyItemScope(survey.id), items, key, body, now)
}

export async function deleteSurveyItemTarget (db: DbOrTx, surveyId: string, key: string): Promise<ItemTarget> {
  const survey = await getSurveyRow(db, surveyId)
  const row = await repo.deleteItemTarget(db, surveyItemScope(survey.id), key)
  if (row === undefined) throw new NotFoundError(`target on item "${key}" of survey`, survey.id)
  return toItemTarget(row)
}

/** The team's surveys' items of that key: what a team target on it covers. */
export async function teamItems (db: DbOrTx, team: string, key: string): Promise<StoredItem[]> {
  return (await repo.surveysOfTeam(db, team)).flatMap(s => s.items.filter(i => i.key === key))
}

/** PUT /v1/teams/:team/items/:key/target: across the team's surveys that ask the item. */
export async function setTeamItemTarget (
  db: DbOrTx, team: string, key: string, body: ItemTargetBody, now: Date
): Promise<ItemTarget> {
  const items = await teamItems(db, team, key)
  if (items.length === 0) throw new NotFoundError(`surveys of team "${team}" with an item "${key}"`)
  return await put(db, teamItemScope(team), items, key, body, now)
}

export async function deleteTeamItemTarget (db: DbOrTx, team: string, key: string): Promise<ItemTarget> {
  const row = await repo.deleteItemTarget(db, teamItemScope(team), key)
  if (row === undefined) throw new NotFoundError(`target on item "${key}" of team "${team}"`)
  return toItemTarget(row)
}

function judged (row: ItemTargetRow, period: ItemTargetStatus['period'], e: Estimate | null): ItemTargetStatus {
  const base = { item: row.item, measure: row.measure, value: row.value, period, rule: ITEM_TARGET_RULE }
  if (e === null) return { ...base, state: 'unknown', score: null, interval: null }
  const state = e.low >= row.value ? 'met' : e.high < row.value ? 'missed' : 'not_distinguishable'
  return { ...base, state, score: round(e.score), interval: { low: round(e.low), high: round(e.high) } }
}

const round = (x: number): number => Number(x.toFixed(2))

interface MonthBucket {
  start: string
  end: string
  covers?: { from: string, to: string } | null | undefined
  responses: number | null
  items?: Record<string, ShownItemResult> | null
}

/** Each target judged on the latest complete month with item results in a monthly series. */
export function judgeOnSeries (rows: readonly ItemTargetRow[], series: readonly MonthBucket[]): ItemTargetStatus[] {
  const last = series.filter(b => b.items != null && (b.responses ?? 0) > 0).at(-1)
  const period = last === undefined ? null : last.covers ?? { from: last.start, to: last.end }
  return rows.map(row => judged(row, period, last === undefined ? null : estimate(last.items?.[row.item], row.measure)))
}

/** A year back: the months a series for a target's latest month covers. */
export const seriesFrom = (now: Date): string => coarsenToDay(new Date(now.getTime() - 400 * 86_400_000))

/** The survey's item targets, each judged on its latest complete month (item results count whole months). */
export async function surveyItemTargetStatus (
  db: DbOrTx, months: DecidedMonths, survey: SurveyRow, now: Date
): Promise<ItemTargetStatus[]> {
  const rows = await repo.itemTargetsOf(db, surveyItemScope(survey.id))
  if (rows.length === 0) return []
  const r = await surveyResults(db, months, survey.id, { interval: 'month', from: seriesFrom(now) }, now)
  return judgeOnSeries(rows, (r.series ?? []) as unknown as MonthBucket[])
}

/**
 * The team's item targets on the keys its surveys with `metric` ask, each judged on the team's
 * latest complete month across those surveys (team results of that metric).
 */
export async function teamItemTargetStatus (
  db: DbOrTx, months: DecidedMonths, team: string, metric: Metric, now: Date
): Promise<ItemTargetStatus[]> {
  const asked = new Set((await resultsRepo.surveysOf(db, team, metric)).flatMap(s => s.items.map(i => i.key)))
  const rows = (await repo.itemTargetsOf(db, teamItemScope(team))).filter(r => asked.has(r.item))
  if (rows.length === 0) return []
  const r = await teamResults(db, { team, metric, interval: 'month', from: seriesFrom(now) }, now, months)
  return judgeOnSeries(rows, (r.series ?? []) as unknown as MonthBucket[])
}

/** The metrics of a team's surveys that ask an item key: a team item target is judged per metric. */
export async function metricsAsking (db: DbOrTx, team: string, key: string): Promise<Metric[]> {
  const teamSurveys = await repo.surveysOfTeam(db, team)
  const metrics = teamSurveys.filter(s => s.items.some(i => i.key === key)).map(s => s.metric)
  return [...new Set(metrics)].sort()
}
