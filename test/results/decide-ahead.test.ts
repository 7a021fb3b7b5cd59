import { setTimeout as sleep } from 'node:timers/promises'
import fc from 'fast-check'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { decideAhead, questionKeyLists } from '../../src/results/engine/decide-ahead.js'
import { api, build, testClock } from '../helpers/build.js'
import { parseMetrics, sampleValue } from '../helpers/prometheus.js'
import { type Answer, createSurvey, seedAnswers } from '../helpers/seed.js'
import { ITEMS, itemDataset } from './item-data.js'

// Complete months are decided ahead by a maintenance job (docs/results.md), so that the first
// question about attributes after a restart only adds up kept cells. What it keeps must be exactly
// what the question would have decided itself: same attribute set, same months, same cells.

t.test('every question about up to three attributes finds its attribute set among those decided ahead', async t => {
  const pool = ['agent', 'category', 'site', 'team']
  fc.assert(
    fc.property(fc.subarray(pool, { minLength: 1 }), fc.infiniteStream(fc.boolean()), (attributes, coin) => {
      const lists = questionKeyLists(attributes, 3).map(l => l.join(','))
      if (new Set(lists).size !== lists.length) return false
      // Every question: its filters and its grouping, decided as one set in name order.
      for (const groupBy of [undefined, ...attributes]) {
        const filters = attributes
          .filter(a => a !== groupBy && coin.next().value)
          .slice(0, groupBy === undefined ? 3 : 2)
        const keys = [...filters, ...(groupBy === undefined ? [] : [groupBy])].sort()
        if (keys.length > 0 && !lists.includes(keys.join(','))) return false
      }
      return true
    })
  )
  t.equal(questionKeyLists(['a', 'b', 'c', 'd'], 3).length, 14, '4 attributes: 4 single, 6 pairs, 4 triples')
})

/**
 * The job runs on its own after start-up; its next run is ten minutes later, so after this only a
 * test's own calls decide ahead.
 */
async function firstRun (app: FastifyInstance): Promise<void> {
  const runs = async (): Promise<number> =>
    sampleValue(parseMetrics((await app.inject({ url: '/metrics' })).body), 'puls_job_runs_total', {
      job: 'decide-ahead',
      outcome: 'ok'
    })
  for (let waited = 0; (await runs()) < 1; waited += 20) {
    if (waited > 10_000) throw new Error('the decide-ahead job did not run after start-up')
    await sleep(20)
  }
}

const TODAY = '2026-04-10'
const DAYS = Array.from({ length: 80 }, (_, i) =>
  new Date(Date.parse('2026-01-05T00:00:00Z') + i * 86_400_000).toISOString().slice(0, 10)
)
const answer = fc.record({
  day: fc.constantFrom(...DAYS),
  agent: fc.constantFrom('a', 'b', 'c', 'd', null),
  category: fc.constantFrom('hw', 'sw', 'net', null),
  team: fc.constantFrom('t1', 't2'),
  score: fc.integer({ min: 0, max: 10 })
})

const QUESTIONS = [
  'group_by=agent',
  'group_by=category&interval=month',
  'agent=a',
  'agent=b&category=hw',
  'category=sw&group_by=agent',
  'agent=c&team=t1&group_by=category',
  'category=net&team=t2&group_by=agent&interval=month',
  'agent=a&category=hw&team=t1'
]

t.test('what the job decides ahead is what a question decides on its own, on random data', async t => {
  const app = await build(t, { clock: testClock(`${TODAY}T10:00:00Z`) })
  await firstRun(app)
  await fc.assert(
    fc.asyncProperty(fc.array(answer, { minLength: 40, maxLength: 300 }), async drawn => {
      const data: Answer[] = drawn.map(a => ({
        score: a.score,
        day: a.day,
        attributes: Object.fromEntries(
          Object.entries<string | null>({ agent: a.agent, category: a.category, team: a.team }).filter(
            (e): e is [string, string] => e[1] !== null
          )
        )
      }))
      const cold = await createSurvey(app, { min_group_size: 5 })
      await seedAnswers(app, cold.id, data)
      const asked = async (id: string): Promise<unknown[]> =>
        Promise.all(
          QUESTIONS.map(async q => {
            const res = await api(app, { url: `/v1/surveys/${id}/results?${q}` })
            t.equal(res.statusCode, 200, q)
            const {
              survey: { id: _, ...survey },
              ...body
            } = res.json()
            return { survey, ...body }
          })
        )
      // Decided on demand, question by question.
      const onDemand = await asked(cold.id)
      const ahead = await createSurvey(app, { min_group_size: 5 })
      await seedAnswers(app, ahead.id, data)
      await decideAhead(app.store.db, app.decidedMonths, new Date(`${TODAY}T10:00:00Z`))
      t.same(
        await decideAhead(app.store.db, app.decidedMonths, new Date(`${TODAY}T10:00:00Z`)),
        { decided: 0, deferred: 0 },
        'kept: a second run decides nothing'
      )
      t.same(await asked(ahead.id), onDemand)
      return true
    }),
    { numRuns: 8 }
  )
})

t.test('a month that completes is decided by the next run', async t => {
  const clock = testClock('2026-03-20T10:00:00Z')
  const app = await build(t, { clock })
  await firstRun(app)
  const survey = await createSurvey(app, { min_group_size: 5 })
  // Five answers a day, so every day closes a block: no block runs over a month's end.
  await seedAnswers(
    app,
    survey.id,
    DAYS.slice(0, 75).flatMap((day, i) =>
      [0, 1, 2, 3, 4].map(j => ({ score: (i + j) % 11, day, attributes: { agent: `a${j % 3}` } }))
    )
  )
  // On 20 March, January and February are complete; March is not.
  t.same(
    await decideAhead(app.store.db, app.decidedMonths, clock.now()),
    { decided: 4, deferred: 0 },
    'January and February, for the one attribute the answers carry and for none (the default items\' results)'
  )
  t.same(await decideAhead(app.store.db, app.decidedMonths, clock.now()), { decided: 0, deferred: 0 })
  clock.set('2026-04-02T10:00:00Z')
  t.same(
    await decideAhead(app.store.db, app.decidedMonths, clock.now()),
    { decided: 2, deferred: 0 },
    'March, once it is complete'
  )
})

t.test('decided months belong to one running app: a restart on the same data decides them again', async t => {
  const clock = testClock('2026-03-20T10:00:00Z')
  const first = await build(t, { clock })
  await firstRun(first)
  const survey = await createSurvey(first, { min_group_size: 5 })
  const answers = DAYS.slice(0, 60).flatMap((day, i) =>
    [0, 1, 2, 3, 4].map(j => ({
      score: (i + j) % 11,
      day,
      attributes: { agent: `a${j % 3}` }
    }))
  )
  await seedAnswers(first, survey.id, answers)
  t.same(await decideAhead(first.store.db, first.decidedMonths, clock.now()), { decided: 4, deferred: 0 })
  const before = (await api(first, { url: `/v1/surveys/${survey.id}/results?group_by=agent` })).json()
  await first.close()
  // The same data directory, a new app: nothing is kept from the one before (docs/results.md).
  // Asked before its job's first run (a second after start-up), which would decide them too.
  const second = await build(t, { clock, dataDir: first.dataDir })
  t.same(
    await decideAhead(second.store.db, second.decidedMonths, clock.now()),
    { decided: 4, deferred: 0 },
    'decided anew'
  )
  t.same((await api(second, { url: `/v1/surveys/${survey.id}/results?group_by=agent` })).json(), before)
})

/**
 * A survey with items and four months of answers, decided ahead; `decidedByQuestion`: what
 * questions decide themselves from then on, if anything (seen, not changed).
 */
async function decidedItemsSurvey (t: Parameters<typeof build>[0]) {
  const clock = testClock('2026-04-20T10:00:00Z')
  const app = await build(t, { clock })
  await firstRun(app)
  const survey = await createSurvey(app, { kind: 'post_case', metric: 'csat', items: ITEMS })
  await seedAnswers(app, survey.id, itemDataset(5, 8))
  await decideAhead(app.store.db, app.decidedMonths, clock.now())
  let decided = 0
  const cells = app.decidedMonths.cells.bind(app.decidedMonths)
  app.decidedMonths.cells = async (key, decide) => await cells(key, async () => {
    decided++
    return await decide()
  })
  return { app, survey, decidedByQuestion: () => decided }
}

t.test('a survey with items: its whole-survey question finds its months decided ahead', async t => {
  const { app, survey, decidedByQuestion } = await decidedItemsSurvey(t)
  const body = (await api(app, { url: `/v1/surveys/${survey.id}/results` })).json()
  t.ok(body.items.fcr.answered > 0, 'item results show')
  t.equal(decidedByQuestion(), 0, 'no month left to decide')
})

t.test('a survey with items: a question by a yes/no item finds its months decided ahead', async t => {
  const { app, survey, decidedByQuestion } = await decidedItemsSurvey(t)
  // The score of cases not solved at first contact, and every result by first contact.
  for (const query of ['item.fcr=no', 'group_by=item.fcr']) {
    const res = await api(app, { url: `/v1/surveys/${survey.id}/results?${query}` })
    t.equal(res.statusCode, 200, query)
  }
  t.equal(decidedByQuestion(), 0, 'no month left to decide')
})
