import fc from 'fast-check'
import t from 'tap'
import { api, build, testClock } from '../helpers/build.js'
import { type Answer, createSurvey, seedAnswers } from '../helpers/seed.js'
import { ITEMS } from './item-data.js'

// docs/anonymity.md, promise 5: a cell gets one decision, whichever question shows it. `agent=a&category=hw` is the
// filter of one question, a group of `group_by=category&agent=a` and a group of
// `group_by=agent&category=hw`; if one of them showed it while another suppressed it, the one that
// showed it would undo the protection the other relied on. Random data sets, searched by fast-check.

const TODAY = '2026-04-10'
const DAYS = Array.from({ length: 40 }, (_, i) =>
  new Date(Date.parse('2026-01-20T00:00:00Z') + i * 86_400_000).toISOString().slice(0, 10)
)

const answer = fc.record({
  day: fc.constantFrom(...DAYS),
  agent: fc.constantFrom('a', 'b', 'c', 'd', null),
  category: fc.constantFrom('hw', 'sw', 'net', null),
  score: fc.integer({ min: 0, max: 10 })
})

interface Shown {
  responses: number
  suppressed: boolean
  distribution: unknown
}
const view = (c: Shown): string => JSON.stringify([c.responses, c.suppressed, c.distribution])

t.test('a cell of two attributes is shown or suppressed alike by every question that shows it', async t => {
  const app = await build(t, { clock: testClock(`${TODAY}T10:00:00Z`) })
  let compared = 0
  await fc.assert(
    fc.asyncProperty(fc.array(answer, { minLength: 10, maxLength: 200 }), async drawn => {
      const data: Answer[] = drawn.map(a => ({
        score: a.score,
        day: a.day,
        attributes: Object.fromEntries(
          Object.entries({ agent: a.agent as string | null, category: a.category as string | null }).filter(
            (e): e is [string, string] => e[1] !== null
          )
        )
      }))
      const survey = await createSurvey(app, { min_group_size: 5, min_comment_group_size: 10 })
      await seedAnswers(app, survey.id, data)
      const ask = async (query: string): Promise<any> => {
        const res = await api(app, { url: `/v1/surveys/${survey.id}/results?${query}&interval=month` })
        if (res.statusCode !== 200) throw new Error(`${query}: ${res.statusCode} ${res.body}`)
        return res.json()
      }
      for (const agent of ['a', 'b', 'c', 'd']) {
        for (const category of ['hw', 'sw', 'net']) {
          const filtered = await ask(`agent=${agent}&category=${category}`)
          const byCategory = await ask(`agent=${agent}&group_by=category`)
          const byAgent = await ask(`category=${category}&group_by=agent`)
          const cells = [
            filtered,
            byCategory.groups.find((g: Shown & { value: string }) => g.value === category),
            byAgent.groups.find((g: Shown & { value: string }) => g.value === agent)
          ].filter((c): c is Shown => c !== undefined && c.responses > 0)
          if (cells.length < 2) continue
          compared++
          if (new Set(cells.map(view)).size !== 1) return false
        }
      }
      return true
    }),
    { numRuns: 60, seed: 7 }
  )
  t.ok(compared > 0, `${compared} cells compared across the three questions that show them`)
})

t.test('a cell of an attribute and an item answer is shown alike by every question, its items too', async t => {
  const app = await build(t, { clock: testClock(`${TODAY}T10:00:00Z`) })
  const items = [ITEMS[0]!, ITEMS[2]!]
  const withItems = fc.record({
    day: fc.constantFrom(...DAYS),
    agent: fc.constantFrom('a', 'b', null),
    fcr: fc.constantFrom('yes', 'no', null),
    reason: fc.constantFrom('wait', 'other', null),
    score: fc.integer({ min: 1, max: 5 })
  })
  let compared = 0
  await fc.assert(
    fc.asyncProperty(fc.array(withItems, { minLength: 10, maxLength: 200 }), async drawn => {
      const data: Answer[] = drawn.map(a => ({
        score: a.score,
        day: a.day,
        attributes: (a.agent === null ? {} : { agent: a.agent }) as Record<string, string>,
        items: Object.fromEntries(Object.entries({ fcr: a.fcr as string | null, reason: a.reason as string | null })
          .filter((e): e is [string, string] => e[1] !== null))
      }))
      const survey = await createSurvey(app, { kind: 'post_case', metric: 'csat', min_group_size: 5, items })
      await seedAnswers(app, survey.id, data)
      const ask = async (query: string): Promise<any> => {
        const res = await api(app, { url: `/v1/surveys/${survey.id}/results?${query}&interval=month` })
        if (res.statusCode !== 200) throw new Error(`${query}: ${res.statusCode} ${res.body}`)
        return res.json()
      }
      const whole = (c: Shown & { items: unknown }): string => JSON.stringify([view(c), c.items])
      for (const agent of ['a', 'b']) {
        for (const fcr of ['yes', 'no']) {
          const filtered = await ask(`agent=${agent}&item.fcr=${fcr}`)
          const byItem = await ask(`agent=${agent}&group_by=item.fcr`)
          const byAgent = await ask(`item.fcr=${fcr}&group_by=agent`)
          const cells = [
            filtered,
            byItem.groups.find((g: { value: string }) => g.value === fcr),
            byAgent.groups.find((g: { value: string }) => g.value === agent)
          ].filter(c => c !== undefined)
          if (cells.length < 2) continue
          compared++
          if (new Set(cells.map(whole)).size !== 1) return false
        }
      }
      return true
    }),
    { numRuns: 25, seed: 7 }
  )
  t.ok(compared > 0, `${compared} cells compared across the three questions that show them`)
})
