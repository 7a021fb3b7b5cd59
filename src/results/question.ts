import type { DbOrTx } from '../db/client.js'
import type { Scale } from '../surveys/defaults.js'
import type { CubeRow } from './lattice.js'
import { emptyDistribution } from './metrics.js'
import * as repo from './repository.js'

// Loads what one results question needs, for one period of whole release blocks:
//  - the cube: answers per value of every attribute the question involves (its filters and its
//    grouping), per release block, and per bucket when it asks for a series; suppression is
//    decided on it (lattice.ts);
//  - the distributions of the cells it shows: the answers matching all its filters, per bucket,
//    and per value of the grouped attribute.
// The rollup answers questions that involve at most one attribute; two or more need a scan of the
// period's answers.

export interface Question {
  surveyId: string
  period: repo.Period
  filters: ReadonlyArray<repo.Filter>
  groupBy?: string | undefined
  /** The first day of the release block an answered day is in. */
  blockOf: (day: string) => string
  /** The bucket an answered day counts in; undefined when no series is asked for. */
  bucketOf?: ((day: string) => string) | undefined
}

export interface Counts { dist: number[], invited: number }

export interface QuestionData {
  /** The involved attributes: the filters' first, then the grouped one. */
  keys: string[]
  /** Values per involved attribute, then the release block, then the bucket when a series is asked for. */
  cube: CubeRow[]
  /** Answers matching every filter, per bucket ('' without a series). */
  main: Map<string, Counts>
  /** Answers matching every filter, per value of the grouped attribute (null: without it). */
  groups?: Map<string | null, number[]>
}

export function involvedKeys (q: Pick<Question, 'filters' | 'groupBy'>): string[] {
  return [...q.filters.map(([k]) => k), ...(q.groupBy === undefined ? [] : [q.groupBy])]
}

class Accumulator {
  readonly cube = new Map<string, CubeRow>()
  readonly main = new Map<string, Counts>()
  readonly groups = new Map<string | null, number[]>()
  constructor (private readonly scale: Scale) {}

  addCube (values: Array<string | null>, n: number): void {
    // NUL and SOH keep values and "without" apart; attribute values are printable text.
    const id = values.map(v => v === null ? '\u0001' : v).join('\u0000')
    const row = this.cube.get(id)
    if (row === undefined) this.cube.set(id, { values, n })
    else row.n += n
  }

  addMain (bucket: string, score: number, n: number, invited: number): void {
    let c = this.main.get(bucket)
    if (c === undefined) this.main.set(bucket, c = { dist: emptyDistribution(this.scale), invited: 0 })
    c.dist[score - this.scale.min]! += n
    c.invited += invited
  }

  addGroup (value: string | null, score: number, n: number): void {
    let d = this.groups.get(value)
    if (d === undefined) this.groups.set(value, d = emptyDistribution(this.scale))
    d[score - this.scale.min]! += n
  }
}

export function loadQuestion (db: DbOrTx, q: Question, scale: Scale): QuestionData {
  const keys = involvedKeys(q)
  const acc = new Accumulator(scale)
  const bucket = (day: string): string => q.bucketOf === undefined ? '' : q.bucketOf(day)
  const cubeKey = (values: Array<string | null>, day: string): Array<string | null> =>
    q.bucketOf === undefined ? [...values, q.blockOf(day)] : [...values, q.blockOf(day), bucket(day)]

  if (keys.length >= 2) {
    // Slow path: every answer of the period, counted per value of each involved attribute.
    for (const r of repo.scan(db, q.surveyId, q.period, keys)) {
      acc.addCube(cubeKey(r.values, r.day), r.n)
      if (!q.filters.every(([, value], i) => r.values[i] === value)) continue
      acc.addMain(bucket(r.day), r.score, r.n, r.invited)
      if (q.groupBy !== undefined) acc.addGroup(r.values[keys.length - 1] ?? null, r.score, r.n)
    }
  } else {
    const totals = repo.valueCounts(db, q.surveyId, '', q.period, { day: true })
    if (keys.length === 0) {
      for (const r of totals) acc.addCube(cubeKey([], r.day!), r.n)
    } else {
      // Answers without the attribute: all answers less those with any value of it, per day.
      const missing = new Map<string, number>()
      for (const r of totals) missing.set(r.day!, r.n)
      for (const r of repo.valueCounts(db, q.surveyId, keys[0]!, q.period, { day: true })) {
        acc.addCube(cubeKey([r.value], r.day!), r.n)
        missing.set(r.day!, missing.get(r.day!)! - r.n)
      }
      for (const [day, n] of missing) if (n > 0) acc.addCube(cubeKey([null], day), n)
    }
    if (q.bucketOf === undefined) {
      for (const r of repo.countsByScore(db, q.surveyId, q.period, q.filters[0])) acc.addMain('', r.score, r.n, r.invited)
    } else {
      for (const r of repo.countsByDay(db, q.surveyId, q.period, q.filters[0])) acc.addMain(bucket(r.day), r.score, r.n, r.invited)
    }
    if (q.groupBy !== undefined) {
      const missing = emptyDistribution(scale)
      for (const c of acc.main.values()) c.dist.forEach((n, i) => { missing[i]! += n })
      for (const r of repo.valueCounts(db, q.surveyId, q.groupBy, q.period, { score: true })) {
        acc.addGroup(r.value, r.score!, r.n)
        missing[r.score! - scale.min]! -= r.n
      }
      missing.forEach((n, i) => { if (n > 0) acc.addGroup(null, i + scale.min, n) })
    }
  }
  return {
    keys,
    cube: [...acc.cube.values()],
    main: acc.main,
    ...(q.groupBy === undefined ? {} : { groups: acc.groups })
  }
}
