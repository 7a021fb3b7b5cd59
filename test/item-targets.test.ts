import t from 'tap'
import { api, build, testClock } from './helpers/build.js'
import { createSurvey } from './helpers/seed.js'

// Targets on an item's key (docs/integrations.md, "Targets"): set, validated and removed for a
// survey and for a team.

const ITEMS = [
  { key: 'fcr', type: 'yes_no' },
  { key: 'speed', type: 'rating' },
  { key: 'reasons', type: 'multi_choice', options: [{ key: 'waiting' }, { key: 'other' }] }
]

t.test('a survey\'s and a team\'s item targets: set, validated, replaced, removed', async t => {
  const app = await build(t, { clock: testClock('2026-03-20T09:00:00Z') })
  const survey = await createSurvey(app, { kind: 'post_case', metric: 'csat', items: ITEMS })
  await createSurvey(app, { kind: 'post_case', metric: 'csat', team: 'hr', items: [] })
  const put = (url: string, payload: unknown) => api(app, { method: 'PUT', url, payload: payload as object })
  const at = (key: string) => `/v1/surveys/${survey.id}/items/${key}/target`
  const paths = async (url: string, payload: unknown) =>
    ((await put(url, payload)).json().errors ?? []).map((e: { path: string }) => e.path)

  const fcr = await put(at('fcr'), { value: 70 })
  t.equal(fcr.statusCode, 200)
  t.match(fcr.json(),
    { scope: 'survey', survey_id: survey.id, team: null, item: 'fcr', measure: 'yes_percent', value: 70 })
  t.match((await put(at('speed'), { value: 4 })).json(), { item: 'speed', measure: 'mean', value: 4 },
    'a rating\'s default measure is its mean')
  t.match((await put(at('speed'), { value: 80, measure: 'top2_percent' })).json(),
    { measure: 'top2_percent', value: 80 }, 'one target per item: a new measure replaces the old')

  t.same(await paths(at('speed'), { value: 6 }), ['body.value'], 'a mean is on 1–5')
  t.same(await paths(at('fcr'), { value: 101 }), ['body.value'], 'a share is a percent')
  t.same(await paths(at('fcr'), { value: 70, measure: 'mean' }), ['body.measure'], 'yes/no has no mean')
  t.same(await paths(at('reasons'), { value: 10 }), ['params.key'], 'no target on a multi-choice item')
  t.same(await paths(at('fcr'), { value: '70' }), ['body.value'])
  t.same(await paths(at('fcr'), { value: 70, extra: 1 }), ['body.extra'], 'unknown fields are refused')
  t.equal((await put(at('nope'), { value: 70 })).statusCode, 404, 'an item the survey does not have')
  t.equal((await put('/v1/surveys/srv_missing/items/fcr/target', { value: 70 })).statusCode, 404)

  const team = await put('/v1/teams/it/items/fcr/target', { value: 75 })
  t.match(team.json(), { scope: 'team', survey_id: null, team: 'it', item: 'fcr', measure: 'yes_percent', value: 75 })
  t.equal((await put('/v1/teams/hr/items/fcr/target', { value: 75 })).statusCode, 404,
    'hr\'s surveys ask no fcr item')

  t.equal((await api(app, { method: 'DELETE', url: at('fcr') })).statusCode, 200)
  t.equal((await api(app, { method: 'DELETE', url: at('fcr') })).statusCode, 404, 'removed once')
  t.equal((await api(app, { method: 'DELETE', url: '/v1/teams/it/items/fcr/target' })).statusCode, 200)
})
