import { eq } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.js'
import { tables } from '../db/dialect.js'
import { InvalidFieldError, NotFoundError } from '../errors.js'
import { newId } from '../ids.js'
import { coarsenToDay } from '../responses/coarsen.js'
import type { DecidedMonths } from '../results/engine/decided-months.js'
import { released, surveyResults, teamResults } from '../results/service.js'
import * as resultsRepo from '../results/storage/repository.js'
import type { Metric } from '../surveys/defaults.js'
import { getSurveyRow } from '../surveys/service.js'
import type { SurveyRow } from '../surveys/tables.js'
import { TARGET_RULE, type Target, type TargetStatus } from './schemas.js'
import type { TargetRow } from './tables.js'

// Targets a survey or a team sets on its metric, and whether the latest released period meets
// them given the margin of error (docs/results.md, "Targets").

const RANGE: Record<Metric, [number, number]> = { nps: [-100, 100], csat: [0, 100], ces: [1, 7] }

export const surveyScope = (surveyId: string): string => `survey:${surveyId}`
export const teamScope = (team: string, metric: Metric): string => `team:${metric}:${team}`

function toTarget (row: TargetRow): Target {
  const [kind, ...rest] = row.scope.split(':')
  return {
    scope: kind === 'team' ? 'team' : 'survey',
    survey_id: kind === 'survey' ? rest.join(':') : null,
    team: kind === 'team' ? rest.slice(1).join(':') : null,
    metric: row.metric,
    value: row.value,
    updated_at: row.updatedAt.toISOString()
  }
}

export async function findTarget (db: DbOrTx, scope: string): Promise<TargetRow | undefined> {
  const { targets } = tables(db)
  const [row] = await db.select().from(targets).where(eq(targets.scope, scope)).limit(1)
  return row
}

async function put (db: DbOrTx, scope: string, metric: Metric, value: number, now: Date): Promise<Target> {
  const [min, max] = RANGE[metric]
  if (value < min || value > max) {
    throw new InvalidFieldError('body.value', `must be between ${min} and ${max} for ${metric}`)
  }
  const { targets } = tables(db)
  const [row] = await db.insert(targets).values({ id: newId('tgt'), scope, metric, value, updatedAt: now })
    .onConflictDoUpdate({ target: targets.scope, set: { metric, value, updatedAt: now } }).returning()
  return toTarget(row!)
}

async function remove (db: DbOrTx, scope: string, what: string): Promise<Target> {
  const { targets } = tables(db)
  const [row] = await db.delete(targets).where(eq(targets.scope, scope)).returning()
  if (row === undefined) throw new NotFoundError(what)
  return toTarget(row)
}

/** PUT /v1/surveys/:id/target: the survey's target on its metric. */
export async function setSurveyTarget (db: DbOrTx, surveyId: string, value: number, now: Date): Promise<Target> {
  const survey = await getSurveyRow(db, surveyId)
  return await put(db, surveyScope(survey.id), survey.metric, value, now)
}

export async function deleteSurveyTarget (db: DbOrTx, surveyId: string): Promise<Target> {
  return await remove(db, surveyScope((await getSurveyRow(db, surveyId)).id), `target of survey ${surveyId}`)
}

/** PUT /v1/teams/:team/targets/:metric: a team's target across its surveys with that metric. */
export async function setTeamTarget (
  db: DbOrTx, team: string, metric: Metric, value: number, now: Date
): Promise<Target> {
  if ((await resultsRepo.surveysOf(db, team, metric)).length === 0) {
    throw new NotFoundError(`surveys of team "${team}" with metric ${metric}`)
  }
  return await put(db, teamScope(team, metric), metric, value, now)
}

export async function deleteTeamTarget (db: DbOrTx, team: string, metric: Metric): Promise<Target> {
  return await remove(db, teamScope(team, metric), `target of team "${team}" for ${metric}`)
}

/** The judgement (see TARGET_RULE): met, missed, or not distinguishable within the margin of error. */
export function judge (score: number, marginOfError: number, target: number): 'met' | 'missed' | 'not_distinguishable' {
  if (score - marginOfError >= target) return 'met'
  if (score + marginOfError < target) return 'missed'
  return 'not_distinguishable'
}

type MetricBlock = { score: number, margin_of_error: number } | null | undefined

function status (value: number, period: { from: string, to: string } | null, block: MetricBlock): TargetStatus {
  if (block == null) return { value, state: 'unknown', period, score: null, margin_of_error: null, rule: TARGET_RULE }
  const { score, margin_of_error: moe } = block
  return { value, state: judge(score, moe, value), period, score, margin_of_error: moe, rule: TARGET_RULE }
}

/** A survey's target judged on its latest release block; null without a target. */
export async function surveyTargetStatus (
  db: DbOrTx, months: DecidedMonths, survey: SurveyRow, now: Date
): Promise<TargetStatus | null> {
  const target = await findTarget(db, surveyScope(survey.id))
  if (target === undefined) return null
  const last = (await released(db, survey, coarsenToDay(now))).blocks.at(-1)
  if (last === undefined) return status(target.value, null, null)
  const period = { from: last.from, to: last.to }
  const r = await surveyResults(db, months, survey.id, period, now) as Record<string, unknown>
  return status(target.value, r.period as { from: string, to: string } | null, r[survey.metric] as MetricBlock)
}

/** A team's target judged on its latest month with released answers; null without a target. */
export async function teamTargetStatus (
  db: DbOrTx, team: string, metric: Metric, now: Date
): Promise<TargetStatus | null> {
  const target = await findTarget(db, teamScope(team, metric))
  if (target === undefined) return null
  const from = coarsenToDay(new Date(now.getTime() - 400 * 86_400_000))
  const series = (await teamResults(db, { team, metric, interval: 'month', from }, now)).series ?? []
  const last = series.filter(b => (b.responses ?? 0) > 0).at(-1)
  if (last === undefined) return status(target.value, null, null)
  const block = (last as Record<string, unknown>)[metric] as MetricBlock
  return status(target.value, last.covers ?? { from: last.start, to: last.end }, block)
}
