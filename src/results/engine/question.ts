import type { DbOrTx } from '../../db/client.js'
import type { Scale } from '../../surveys/defaults.js'
import { cellKey } from './cell-key.js'
import type { CubeRow } from './lattice.js'
import { emptyDistribution } from './metrics.js'
import * as repo from '../storage/repository.js'

// Loads what one whole-survey question needs, for one period of whole release blocks, from the
// rollup of all answers (response_counts): answers per release block (and bucket, for a series),
// on which suppression is decided (lattice.ts), and the distribution per bucket. Questions about
// attributes are answered on the month grid instead (attributes.ts).

export interface Question {
  surveyId: string
  period: repo.Period
  /** The first day of the release block an answered day is in. */
  blockOf: (day: string) => string
  /** The bucket an answered day counts in; undefined when no series is asked for. */
  bucketOf?: ((day: string) => string) | undefined
}

export interface Counts { dist: number[], invited: number }

export interface QuestionData {
  /** The involved attributes: none for a whole-survey question. */
  keys: string[]
  /** Answers per release block, then per bucket when a series is asked for. */
  cube: CubeRow[]
  /** Answers per bucket ('' without a series). */
  main: Map<string, Counts>
}

export async function loadQuestion (db: DbOrTx, q: Question, scale: Scale): Promise<QuestionData> {
  const cube = new Map<string, CubeRow>()
  const main = new Map<string, Counts>()
  const bucket = (day: string): string => q.bucketOf === undefined ? '' : q.bucketOf(day)
  const addMain = (key: string, score: number, n: number, invited: number): void => {
    let c = main.get(key)
    if (c === undefined) main.set(key, c = { dist: emptyDistribution(scale), invited: 0 })
    c.dist[score - scale.min]! += n
    c.invited += invited
  }
  for (const [day, n] of await repo.answeredDays(db, q.surveyId)) {
    if (day < q.period.from || day > q.period.to) continue
    const values = q.bucketOf === undefined ? [q.blockOf(day)] : [q.blockOf(day), bucket(day)]
    const id = cellKey(values)
    const row = cube.get(id)
    if (row === undefined) cube.set(id, { values, n })
    else row.n += n
  }
  if (q.bucketOf === undefined) {
    for (const r of await repo.countsByScore(db, q.surveyId, q.period)) addMain('', r.score, r.n, r.invited)
  } else {
    for (const r of await repo.countsByDay(db, q.surveyId, q.period)) addMain(bucket(r.day), r.score, r.n, r.invited)
  }
  return { keys: [], cube: [...cube.values()], main }
}
