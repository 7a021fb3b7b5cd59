import type { DbHandle, DbOrTx } from '../db/client.js'
import { tables } from '../db/dialect.js'
import { coarsenToDay } from '../responses/coarsen.js'
import type { DecidedMonths } from '../results/engine/decided-months.js'
import { released, surveyResults } from '../results/service.js'
import type { SurveyRow } from '../surveys/tables.js'
import { surveyScope, surveyTargetStatus, teamTargetStatus } from '../targets/service.js'
import type { ItemTargetStatus, TargetStatus } from '../targets/schemas.js'
import { metricsAsking, surveyItemTargetStatus, teamItemTargetStatus } from '../targets/item-service.js'
import { allItemTargets } from '../targets/repository.js'
import type { Metric } from '../surveys/defaults.js'
import { bandOf, type EventData } from './formats.js'
import * as repo from './repository.js'
import { emit } from './service.js'

// The aggregate events (docs/integrations.md, "Events"). Every number comes from the results
// service as the API shows it: released blocks only, and nothing of a suppressed cell.

type Presented = Record<string, unknown> & {
  responses: number
  suppressed: boolean
  period: { from: string, to: string } | null
}

function scoreOf (metric: Metric, value: number | null, moe: number | null): EventData['score'] {
  return value === null ? null : { metric, value, margin_of_error: moe ?? 0, band: bandOf(metric, value) }
}

/** What an event may say about a survey's results over a period: nothing below the minimum group size. */
function aggregate (survey: SurveyRow, r: Presented, target: TargetStatus | null): EventData {
  const shown = !r.suppressed && r.responses >= survey.minGroupSize
  const block = r[survey.metric] as { score: number, margin_of_error: number } | null | undefined
  return {
    survey: { id: survey.id, name: survey.name, team: survey.team, metric: survey.metric },
    period: r.period,
    responses: shown ? r.responses : null,
    score: shown && block != null
      ? scoreOf(survey.metric, block.score, block.margin_of_error)
      : null,
    target: target === null ? null : { value: target.value, state: target.state }
  }
}

/** survey.closed, in the transaction that closes the survey: its released results over its whole life. */
export async function surveyClosed (db: DbOrTx, months: DecidedMonths, survey: SurveyRow, now: Date): Promise<number> {
  const r = await surveyResults(db, months, survey.id, {}, now) as unknown as Presented
  const data = aggregate(survey, r, await surveyTargetStatus(db, months, survey, now))
  const event = { type: 'survey.closed' as const, day: coarsenToDay(now), data }
  return await emit(db, event, { surveyId: survey.id, team: survey.team }, now)
}

/**
 * The hysteresis of a target: missed is announced when the state becomes missed from met or
 * unknown, recovered when it becomes met after missed; "not distinguishable" changes nothing, so
 * a score hovering at the target within its margin of error does not flap.
 */
type Crossing = 'target.missed' | 'target.recovered'

function crossing (previous: 'met' | 'missed' | null | undefined, now: TargetStatus['state']): Crossing | null {
  if (now === 'missed' && previous !== 'missed') return 'target.missed'
  if (now === 'met' && previous === 'missed') return 'target.recovered'
  return null
}

async function settle (
  db: DbOrTx, key: string, status: Pick<TargetStatus, 'state'>, send: (type: Crossing) => Promise<unknown>
): Promise<number> {
  if (status.state !== 'met' && status.state !== 'missed') return 0
  const previous = (await repo.getWatch(db, key))?.targetState
  const type = crossing(previous, status.state)
  if (previous !== status.state) await repo.setWatch(db, key, { targetState: status.state })
  if (type === null) return 0
  await send(type)
  return 1
}

/** What a target event on an item says: the item's measure with its interval, and the target. */
function itemEvent (status: ItemTargetStatus): EventData {
  return {
    period: status.period,
    item: {
      key: status.item,
      measure: status.measure,
      value: status.score,
      low: status.interval?.low ?? null,
      high: status.interval?.high ?? null
    },
    target: { value: status.value, state: status.state }
  }
}

/**
 * The watch job: announces each survey's newest release block once (results.released) and the
 * crossings of survey and team targets. Runs every WEBHOOK_WATCH_INTERVAL_SECONDS.
 */
export async function watch (
  store: DbHandle, months: DecidedMonths, now: Date
): Promise<{ released: number, targets: number }> {
  const { db } = store
  const { surveys, targets } = tables(db)
  const day = coarsenToDay(now)
  let announced = 0
  let crossed = 0
  // Each transaction answers its own counts: on PostgreSQL it may run again after a conflict.
  for (const survey of await db.select().from(surveys)) {
    const done = await store.transaction(async tx => {
      let releases = 0
      let crossings = 0
      const key = surveyScope(survey.id)
      const last = (await released(tx, survey, day)).blocks.at(-1)
      const target = await surveyTargetStatus(tx, months, survey, now)
      if (last !== undefined && last.to !== (await repo.getWatch(tx, key))?.lastBlockTo) {
        const period = { from: last.from, to: last.to }
        const r = await surveyResults(tx, months, survey.id, period, now) as unknown as Presented
        const data = aggregate(survey, r, target)
        if (data.score != null) {
          const scope = { surveyId: survey.id, team: survey.team }
          const sent = await emit(tx, { type: 'results.released', day, data }, scope, now)
          if (sent > 0) releases++
        }
        await repo.setWatch(tx, key, { lastBlockTo: last.to })
      }
      for (const status of await surveyItemTargetStatus(tx, months, survey, now)) {
        crossings += await settle(tx, `${key}:item:${status.item}`, status, async type => {
          const about = { id: survey.id, name: survey.name, team: survey.team, metric: survey.metric }
          const data = { survey: about, ...itemEvent(status) }
          await emit(tx, { type, day, data }, { surveyId: survey.id, team: survey.team }, now)
        })
      }
      if (target !== null) {
        crossings += await settle(tx, key, target, async type => {
          const r = { responses: 0, suppressed: true, period: target.period, [survey.metric]: null } as Presented
          const score = scoreOf(survey.metric, target.score, target.margin_of_error)
          const data = { ...aggregate(survey, r, target), score }
          await emit(tx, { type, day, data }, { surveyId: survey.id, team: survey.team }, now)
        })
      }
      return { releases, crossings }
    })
    announced += done.releases
    crossed += done.crossings
  }
  for (const row of (await db.select().from(targets)).filter(t => t.scope.startsWith('team:'))) {
    const [, metric, ...team] = row.scope.split(':') as [string, Metric, ...string[]]
    const name = team.join(':')
    crossed += await store.transaction(async tx => {
      const status = await teamTargetStatus(tx, name, metric, now)
      if (status === null) return 0
      return await settle(tx, row.scope, status, async type => {
        const score = scoreOf(metric, status.score, status.margin_of_error)
        const target = { value: status.value, state: status.state }
        await emit(tx, { type, day, data: { team: name, period: status.period, score, target } }, { team: name }, now)
      })
    })
  }
  // Team targets on an item key: judged per metric of the team's surveys that ask it.
  for (const row of (await allItemTargets(db)).filter(r => r.scope.startsWith('team:'))) {
    const team = row.scope.slice('team:'.length)
    for (const metric of await metricsAsking(db, team, row.item)) {
      crossed += await store.transaction(async tx => {
        const status = (await teamItemTargetStatus(tx, months, team, metric, now)).find(s => s.item === row.item)
        if (status === undefined) return 0
        return await settle(tx, `team:${metric}:${team}:item:${row.item}`, status, async type => {
          await emit(tx, { type, day, data: { team, ...itemEvent(status) } }, { team }, now)
        })
      })
    }
  }
  return { released: announced, targets: crossed }
}
