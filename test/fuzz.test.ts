import t from 'tap'
import { api, build } from './helpers/build.js'
import { FUZZ_RUNS, FUZZ_SEED, fuzzRoute, type FuzzRoute } from './helpers/fuzz.js'

// Property-based fuzzing of every route (fast-check): random and hostile bodies, headers, query
// strings and path parameters. Never a 5xx; every 4xx is problem+json and changes nothing.
// A new route is one line in ROUTES. Replay a failure with FUZZ_SEED=<seed> (printed on failure).

const SURVEY = { name: 'IT desk after a case', kind: 'post_case', team: 'it', question: { en: 'How did we do?' }, link_ttl_days: 7, min_group_size: 5 }

function routes (surveyId: string): FuzzRoute[] {
  return [
    { method: 'GET', url: '/healthz' },
    { method: 'GET', url: '/readyz' },
    { method: 'GET', url: '/openapi.json' },
    { method: 'GET', url: '/docs/' },
    { method: 'GET', url: '/docs/json' },
    { method: 'GET', url: '/docs/yaml' },
    { method: 'GET', url: '/docs/static/*', params: { '*': 'swagger-ui.css' } },
    { method: 'POST', url: '/v1/surveys', auth: true, body: SURVEY },
    { method: 'GET', url: '/v1/surveys', auth: true, query: { kind: 'post_case', team: 'it', status: 'active', limit: '5' } },
    { method: 'GET', url: '/v1/surveys/:id', auth: true, params: { id: surveyId } },
    { method: 'PATCH', url: '/v1/surveys/:id', auth: true, params: { id: surveyId }, body: { name: 'Renamed', reminder_after_days: 2 } }
  ]
}

t.comment(`fuzz seed ${FUZZ_SEED}, ${FUZZ_RUNS} runs per route`)

t.test('every route survives random and hostile requests', async t => {
  // The limiter stays on (its hooks are fuzzed too) but high enough not to answer every run.
  const app = await build(t, { env: { RATE_LIMIT_MAX: '1000000' } })
  const created = await api(app, { method: 'POST', url: '/v1/surveys', payload: SURVEY })
  t.equal(created.statusCode, 201)
  for (const route of routes(created.json().id)) {
    await t.test(`${route.method} ${route.url}`, async t => {
      const { statuses } = await fuzzRoute(app, route)
      t.comment(`statuses: ${[...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}`)
      t.ok([...statuses.keys()].some(s => s < 300), 'some requests got through')
      if (route.auth === true || route.body !== undefined || route.params !== undefined) {
        t.ok([...statuses.keys()].some(s => s >= 400), 'some were refused')
      }
    })
  }
})

t.test('oversized bodies are refused with 413 on every route that takes a body', async t => {
  const app = await build(t)
  const id = (await api(app, { method: 'POST', url: '/v1/surveys', payload: SURVEY })).json().id
  const before = (await api(app, { url: '/v1/surveys?limit=100' })).body
  const big = 'x'.repeat(1024 * 1024 + 1)
  for (const route of routes(id).filter(r => r.body !== undefined)) {
    const url = route.url.replace(/:(\w+)/g, (_, name: string) => route.params![name]!)
    for (const [type, payload] of [['application/json', JSON.stringify({ ...route.body, name: big })], ['application/x-www-form-urlencoded', `name=${big}`]] as const) {
      const res = await api(app, { method: route.method, url, headers: { 'content-type': type }, payload })
      t.equal(res.statusCode, 413, `${route.method} ${route.url} as ${type}`)
      t.match(res.headers['content-type'], /^application\/problem\+json/)
      t.match(res.json(), { status: 413, code: 'fst_err_ctp_body_too_large' })
    }
  }
  t.equal((await api(app, { url: '/v1/surveys?limit=100' })).body, before, 'nothing changed')
})
