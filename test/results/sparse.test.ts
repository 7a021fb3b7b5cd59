import fc from 'fast-check'
import t from 'tap'
import { api, build, testClock } from '../helpers/build.js'
import { type Answer, createSurvey, seedAnswers } from '../helpers/seed.js'
import { Span } from './span.js'

// docs/anonymity.md, promise 5 in sparse data, searched by fast-check: random small data sets (a few answers on a
// few days of two months, agents and categories missing or rare), every question about them over
// the whole period (totals, groupings, filters, pairs of filters, series), and linear algebra over
// everything shown. Sparse data is where a lattice of groupings alone fell short: two shown groups
// minus the blocks they fill between them left a few answers behind.

const MIN = 5
const TODAY = '2026-03-10'
const DAYS = [
  '2026-01-05',
  '2026-01-12',
  '2026-01-19',
  '2026-01-26',
  '2026-02-02',
  '2026-02-09',
  '2026-02-16',
  '2026-02-23'
]

const answer = fc.record({
  day: fc.constantFrom(...DAYS),
  agent: fc.constantFrom('a', 'b', 'c', null),
  category: fc.constantFrom('hw', 'sw', null),
  score: fc.integer({ min: 0, max: 10 })
})

type Slice = Record<string, string | null>
interface Cell {
  responses: number
  suppressed: boolean
  distribution: unknown
}

t.test('in random sparse data, nothing below the minimum can be derived from what the results show', async t => {
  const app = await build(t, { clock: testClock(`${TODAY}T10:00:00Z`) })
  let runs = 0
  await fc.assert(
    fc.asyncProperty(fc.array(answer, { minLength: 5, maxLength: 40 }), async drawn => {
      runs++
      const data: Answer[] = drawn.map(a => ({
        score: a.score,
        day: a.day,
        attributes: Object.fromEntries(
          Object.entries({ agent: a.agent as string | null, category: a.category as string | null }).filter(
            (e): e is [string, string] => e[1] !== null
          )
        )
      }))
      const survey = await createSurvey(app, { min_group_size: MIN, min_comment_group_size: 10 })
      seedAnswers(app, survey.id, data)
      const of = (a: Answer, k: string): string | null => a.attributes?.[k] ?? null
      const matches = (a: Answer, slice: Slice): boolean => Object.entries(slice).every(([k, v]) => of(a, k) === v)
      const vector = (slice: Slice, days: { from: string; to: string }): Float64Array =>
        Float64Array.from(data, a => (matches(a, slice) && a.day >= days.from && a.day <= days.to ? 1 : 0))
      const span = new Span(data.length)
      const targets: Float64Array[] = []
      const observe = (slice: Slice, cell: Cell, days: { from: string; to: string } | null): void => {
        if (days === null) return
        if (cell.suppressed) targets.push(vector(slice, days))
        else span.add(vector(slice, days))
      }
      const filters: Slice[] = [{}]
      for (const agent of ['a', 'b', 'c']) {
        filters.push({ agent }, ...['hw', 'sw'].map(category => ({ agent, category })))
      }
      filters.push({ category: 'hw' }, { category: 'sw' })
      for (const filter of filters) {
        for (const groupBy of [undefined, 'agent', 'category']) {
          if (groupBy !== undefined && groupBy in filter) continue
          for (const interval of [undefined, 'day', 'week', 'month']) {
            const query = new URLSearchParams(
              Object.entries({ group_by: groupBy, interval, ...filter }).filter(
                (e): e is [string, string] => typeof e[1] === 'string'
              )
            )
            const res = await api(app, { url: `/v1/surveys/${survey.id}/results?${query}` })
            if (res.statusCode === 400 && res.json().errors[0].path === 'query.interval') continue
            if (res.statusCode !== 200) return false
            const body = res.json()
            observe(filter, body, body.period)
            for (const b of body.series ?? []) observe(filter, b, b.covers)
            for (const g of body.groups ?? []) observe({ ...filter, [groupBy!]: g.value }, g, body.period)
          }
        }
      }
      // Every single answer, every suppressed cell, and every slice over every run of days.
      data.forEach((_, i) => {
        const v = new Float64Array(data.length)
        v[i] = 1
        targets.push(v)
      })
      const slices: Slice[] = [
        { agent: 'a' },
        { agent: 'b' },
        { agent: 'c' },
        { agent: null },
        { category: 'hw' },
        { category: 'sw' },
        { category: null }
      ]
      for (const slice of slices) {
        for (const from of DAYS) for (const to of DAYS.filter(d => d >= from)) targets.push(vector(slice, { from, to }))
      }
      return targets.every(v => {
        const n = v.reduce((a, x) => a + x, 0)
        return n === 0 || n >= MIN || !span.contains(v)
      })
    }),
    { numRuns: 60, seed: 4242 }
  )
  t.ok(runs >= 60, `${runs} random data sets, none gives away fewer than ${MIN} answers`)
})
