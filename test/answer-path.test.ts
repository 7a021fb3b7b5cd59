import t from 'tap'
import { api, build, testClock } from './helpers/build.js'
import { createSurvey, linkToken, submitJson } from './helpers/puls.js'

// The answer path end to end (docs/architecture.md): an answer posted through a link or a
// collector is stored and counted in the results in the same transaction; a refused one is neither.

t.test('answers posted through links and a collector show in the results; refused ones do not', async t => {
  const app = await build(t, { clock: testClock('2026-03-10T10:00:00Z') })
  const survey = await createSurvey(app, { min_group_size: 3 })
  const results = async (): Promise<{ pending_responses: number }> =>
    (await api(app, { url: `/v1/surveys/${survey.id}/results?from=2026-03-01&to=2026-03-31` })).json()

  const links = [await linkToken(app, survey.id), await linkToken(app, survey.id), await linkToken(app, survey.id)]
  for (const [n, token] of links.entries()) {
    t.equal((await submitJson(app, token, { score: 5 - n })).statusCode, 201)
  }
  t.equal((await submitJson(app, links[0]!, { score: 1 })).statusCode, 409, 'a used link is refused')
  t.equal((await submitJson(app, await linkToken(app, survey.id), { score: 9 })).statusCode, 400, 'off the scale')
  // Today's answers are counted but not released yet (docs/results.md): they show as pending.
  t.match(await results(), { pending_responses: 3 }, 'three answers counted, the refused ones not')

  const res = await api(app, {
    method: 'POST',
    url: `/v1/surveys/${survey.id}/collectors`,
    payload: { label: 'Front desk', locale: 'en', cooldown_seconds: 0 }
  })
  const url: string = res.json().url
  const token = url.slice(url.lastIndexOf('/s/') + 3)
  for (const score of [4, 4]) t.equal((await submitJson(app, token, { score })).statusCode, 201)
  t.match(await results(), { pending_responses: 5 }, 'a collector\'s answers are counted as well')
})
