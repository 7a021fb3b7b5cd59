import t from 'tap'
import { api, build, testClock } from './helpers/build.js'
import { startReceiver } from './helpers/receiver.js'
import { type Answer, createSurvey, seedAnswers } from './helpers/seed.js'

// Targets on an item's key (docs/integrations.md, "Targets"): set, validated and removed for a
// survey and for a team; judged on the latest complete month in results and team results, and
// announced through webhooks when missed or met again, with hysteresis.

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

/** `n` answers in a month, `yes` of them solved at first contact; blocks of five per day. */
function month (prefix: string, n: number, yes: number): Answer[] {
  return Array.from({ length: n }, (_, i) => ({
    score: 4, day: `${prefix}-0${2 + Math.floor(i / 5)}`, items: { fcr: i < yes ? 'yes' : 'no' }
  }))
}

t.test('a team\'s FCR target across its surveys: team results show it; missed and recovered once each', async t => {
  const clock = testClock('2026-04-20T09:00:00Z')
  const app = await build(t, {
    clock, env: { WEBHOOK_RETRY_MIN_SECONDS: '0', WEBHOOK_TIMEOUT_SECONDS: '1', WEBHOOK_POLL_MS: '3600000' }
  })
  const rx = await startReceiver()
  t.teardown(() => rx.close())
  const desk = await createSurvey(app, { kind: 'post_case', metric: 'csat', items: ITEMS })
  const portal = await createSurvey(app,
    { kind: 'self_service', metric: 'csat', items: [{ key: 'fcr', type: 'yes_no' }] })
  const hook = await api(app, {
    method: 'POST',
    url: '/v1/webhooks',
    payload: { url: rx.url, events: ['target.missed', 'target.recovered'], teams: ['it'] }
  })
  t.equal(hook.statusCode, 201)
  // March: 20 answers across the two surveys, 4 solved at first contact: 20 %, interval 7.1–41.6.
  await seedAnswers(app, desk.id, month('2026-03', 10, 2))
  await seedAnswers(app, portal.id, month('2026-03', 10, 2))
  const put = await api(app, { method: 'PUT', url: '/v1/teams/it/items/fcr/target', payload: { value: 70 } })
  t.equal(put.statusCode, 200)
  const team = (await api(app, { url: '/v1/results?team=it&metric=csat' })).json()
  t.match(team.item_targets, [{ item: 'fcr', measure: 'yes_percent', value: 70, state: 'missed', score: 20 }])
  t.same((await api(app, { url: `/v1/surveys/${desk.id}/results` })).json().item_targets, [],
    'the team\'s target is not the survey\'s')

  const watch = async () => {
    const from = rx.received.length
    await app.webhooks.watch()
    await app.webhooks.flush()
    return rx.received.slice(from).map(r => JSON.parse(r.body))
  }
  const missed = await watch()
  t.match(missed, [{
    type: 'target.missed',
    data: {
      team: 'it', item: { key: 'fcr', measure: 'yes_percent', value: 20 }, target: { value: 70, state: 'missed' }
    }
  }])
  t.same(await watch(), [], 'announced once')
  // April, complete in May: 20 of 20 solved: met again.
  await seedAnswers(app, desk.id, month('2026-04', 10, 10))
  await seedAnswers(app, portal.id, month('2026-04', 10, 10))
  clock.set('2026-05-20T09:00:00Z')
  t.match(await watch(), [{ type: 'target.recovered', data: { item: { key: 'fcr', value: 100 } } }])
  for (const body of rx.received.map(r => r.body)) t.notMatch(body, /"responses"|"distribution"|@|INC-/)
})
