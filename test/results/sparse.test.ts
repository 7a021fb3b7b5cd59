import fc from 'fast-check'
import t from 'tap'
import { api, build, testClock } from '../helpers/build.js'
import { type Answer, createSurvey, seedAnswers } from '../helpers/seed.js'
import { ITEMS, matches } from './item-data.js'
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
  responses: number | null
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
      await seedAnswers(app, survey.id, data)
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

t.test('in random sparse data with items, no item answer below the minimum can be derived', async t => {
  const app = await build(t, { clock: testClock(`${TODAY}T10:00:00Z`) })
  const drawnItem = fc.record({
    day: fc.constantFrom(...DAYS),
    agent: fc.constantFrom('a', 'b', null),
    fcr: fc.constantFrom('yes', 'no', null),
    reason: fc.constantFrom('wait', 'twice', null),
    speed: fc.constantFrom(1, 3, 5, null),
    score: fc.integer({ min: 1, max: 5 })
  })
  const keys = ['fcr', 'reason', 'speed'] as const
  let runs = 0
  await fc.assert(
    fc.asyncProperty(fc.array(drawnItem, { minLength: 5, maxLength: 40 }), async drawn => {
      runs++
      const data: Answer[] = drawn.map(a => ({
        score: a.score,
        day: a.day,
        attributes: (a.agent === null ? {} : { agent: a.agent }) as Record<string, string>,
        items: Object.fromEntries(Object.entries({ fcr: a.fcr, reason: a.reason, speed: a.speed })
          .filter(e => e[1] !== null)) as Record<string, string | number>
      }))
      const survey = await createSurvey(app, {
        kind: 'post_case', metric: 'csat', min_group_size: MIN, items: [ITEMS[0]!, ITEMS[1]!, ITEMS[2]!]
      })
      await seedAnswers(app, survey.id, data)
      const answering = new Map(keys.map(k => [k, data.filter(a => a.items?.[k] !== undefined)]))
      const spans = new Map(keys.map(k => [k, new Span(answering.get(k)!.length)]))
      const vector = (list: Answer[], slice: Slice, days: { from: string, to: string }): Float64Array =>
        Float64Array.from(list, a => (matches(a, slice) && a.day >= days.from && a.day <= days.to ? 1 : 0))
      const observe = (slice: Slice, cell: Cell & { items?: Record<string, { suppressed: boolean }> | null },
        days: { from: string, to: string } | null): void => {
        if (days === null) return
        for (const key of keys) {
          const fixed = `item.${key}`
          if (cell.responses !== null && slice[fixed] !== undefined && slice[fixed] !== null) {
            const around = Object.fromEntries(Object.entries(slice).filter(([k]) => k !== fixed))
            spans.get(key)!.add(vector(answering.get(key)!, around, days))
          }
          if (cell.items?.[key]?.suppressed === false) spans.get(key)!.add(vector(answering.get(key)!, slice, days))
        }
      }
      const filters: Slice[] = [{}, { agent: 'a' }, { agent: 'b' }, { 'item.fcr': 'no' }, { 'item.reason': 'wait' },
        { agent: 'a', 'item.fcr': 'yes' }]
      for (const filter of filters) {
        for (const groupBy of [undefined, 'agent', 'item.fcr', 'item.reason']) {
          if (groupBy !== undefined && groupBy in filter) continue
          for (const interval of [undefined, 'month']) {
            const query = new URLSearchParams(Object.entries({ group_by: groupBy, interval, ...filter })
              .filter((e): e is [string, string] => typeof e[1] === 'string'))
            const res = await api(app, { url: `/v1/surveys/${survey.id}/results?${query}` })
            if (res.statusCode !== 200) return false
            const body = res.json()
            observe(filter, body, body.items_period)
            for (const b of body.series ?? []) observe(filter, b, b.covers)
            for (const g of body.groups ?? []) observe({ ...filter, [groupBy!]: g.value }, g, body.items_period)
          }
        }
      }
      const slices: Slice[] = [{}, { agent: 'a' }, { agent: 'b' }, { agent: null }, { 'item.fcr': 'no' },
        { 'item.fcr': null }, { 'item.reason': 'wait' }, { agent: 'a', 'item.fcr': 'no' }]
      return keys.every(key => {
        const list = answering.get(key)!
        const targets: Float64Array[] = list.map((_, i) => Float64Array.from(list, (_, j) => (i === j ? 1 : 0)))
        for (const slice of slices) {
          for (const from of DAYS) {
            for (const to of DAYS.filter(d => d >= from)) targets.push(vector(list, slice, { from, to }))
          }
        }
        return targets.every(v => {
          const n = v.reduce((a, x) => a + x, 0)
          return n === 0 || n >= MIN || !spans.get(key)!.contains(v)
        })
      })
    }),
    { numRuns: 40, seed: 4242 }
  )
  t.ok(runs >= 40, `${runs} random data sets with items, none gives away fewer than ${MIN} item answers`)
})
