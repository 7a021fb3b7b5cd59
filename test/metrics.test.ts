import t from 'tap'
import { loadConfig } from '../src/config.js'
import { api, build } from './helpers/build.js'
import { parseMetrics, sampleValue, type Sample } from './helpers/prometheus.js'
import { createSurvey, linkToken, submitJson } from './helpers/puls.js'

type App = Awaited<ReturnType<typeof build>>

async function scrape (app: App, headers: Record<string, string> = {}): Promise<{ text: string; samples: Sample[] }> {
  const res = await app.inject({ url: '/metrics', headers })
  if (res.statusCode !== 200) throw new Error(`/metrics answered ${res.statusCode}: ${res.body}`)
  return { text: res.body, samples: parseMetrics(res.body) }
}

const requests = (samples: Sample[], method: string, route: string, status: number) =>
  sampleValue(samples, 'puls_http_requests_total', { method, route, status_code: String(status) })

t.test('requests are counted and timed per method, route pattern and status', async t => {
  const app = await build(t)
  for (let i = 0; i < 3; i++) await app.inject({ url: '/healthz' })
  await app.inject({ url: '/v1/surveys' })
  await app.inject({ url: '/v1/surveys', headers: { authorization: 'Bearer wrong-key-0123456789' } })
  const created = await api(app, {
    method: 'POST',
    url: '/v1/surveys',
    payload: { name: 'IT desk', kind: 'post_case', team: 'it' }
  })
  t.equal(created.statusCode, 201)
  await api(app, { url: `/v1/surveys/${created.json().id}` })
  await api(app, { url: '/v1/surveys/srv_doesnotexist0000000000' })
  await api(app, { method: 'POST', url: '/v1/surveys', payload: { name: 'x' } })
  await app.inject({ url: '/no/such/page' })

  const res = await app.inject({ url: '/metrics' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  const samples = parseMetrics(res.body)

  t.equal(requests(samples, 'GET', '/healthz', 200), 3)
  t.equal(requests(samples, 'GET', '/v1/surveys', 401), 2, 'refused requests count under their route')
  t.equal(requests(samples, 'POST', '/v1/surveys', 201), 1)
  t.equal(requests(samples, 'POST', '/v1/surveys', 400), 1)
  t.equal(requests(samples, 'GET', '/v1/surveys/:id', 200), 1, 'one series for every survey id')
  t.equal(requests(samples, 'GET', '/v1/surveys/:id', 404), 1)
  t.equal(requests(samples, 'GET', 'unmatched', 404), 1)
  t.equal(requests(samples, 'GET', '/metrics', 200), 0, 'a scrape counts once it has been answered')

  const histogram = { method: 'GET', route: '/healthz', status_code: '200' }
  t.equal(sampleValue(samples, 'puls_http_request_duration_seconds_count', histogram), 3)
  t.equal(sampleValue(samples, 'puls_http_request_duration_seconds_bucket', { ...histogram, le: '+Inf' }), 3)
  const sum = sampleValue(samples, 'puls_http_request_duration_seconds_sum', histogram)
  t.ok(sum > 0 && sum < 60, 'latency is in seconds')

  t.equal(requests((await scrape(app)).samples, 'GET', '/metrics', 200), 1)
})

t.test('process metrics and answers per survey kind are exposed', async t => {
  const app = await build(t)
  let { samples } = await scrape(app)
  for (const name of [
    'process_cpu_user_seconds_total',
    'process_resident_memory_bytes',
    'nodejs_heap_size_used_bytes',
    'nodejs_eventloop_lag_seconds'
  ]) {
    t.ok(
      samples.some(s => s.name === name),
      name
    )
  }
  for (const kind of ['post_case', 'self_service', 'relationship']) {
    t.equal(sampleValue(samples, 'puls_answers_total', { kind }), 0, `${kind} shows before its first answer`)
  }
  // Real answers through the survey page; a refused one is not counted.
  const relationship = await createSurvey(app, { kind: 'relationship' })
  const postCase = await createSurvey(app, { kind: 'post_case' })
  for (const [surveyId, score] of [
    [relationship.id, '9'],
    [relationship.id, '3'],
    [postCase.id, '5']
  ] as const) {
    t.equal((await submitJson(app, await linkToken(app, surveyId), { score: Number(score) })).statusCode, 201)
  }
  t.equal(
    (await submitJson(app, await linkToken(app, postCase.id), { score: 9 })).statusCode,
    400,
    'off the CSAT scale'
  )
  ;({ samples } = await scrape(app))
  t.equal(sampleValue(samples, 'puls_answers_total', { kind: 'relationship' }), 2)
  t.equal(sampleValue(samples, 'puls_answers_total', { kind: 'post_case' }), 1)
  t.equal(sampleValue(samples, 'puls_answers_total', { kind: 'self_service' }), 0)
})

t.test('no label ever carries a raw path, a token or an address', async t => {
  const app = await build(t)
  const token = 'Zq3xK9vLm2Rt8WpY4nBc7dFg'
  const urls = [
    `/s/${token}`,
    `/s/${token}?score=9`,
    `/s/${token}/unsubscribe`,
    `/r/${token}`,
    `/%73/${token}`,
    `/nope/${token}/alice.smith@example.com`,
    `/v1/surveys/${token}/alice.smith@example.com`,
    '/alice.smith%40example.com'
  ]
  for (const url of urls) {
    await app.inject({ url })
    await app.inject({ method: 'POST', url, payload: { score: 3 } })
  }
  await app.inject({ method: 'PROPFIND' as 'GET', url: `/s/${token}` })
  const { text, samples } = await scrape(app)

  t.notOk(text.includes(token), 'no token anywhere in the scrape')
  t.notOk(/alice|example\.com|%40|@/.test(text), 'no address anywhere in the scrape')
  const routes = new Set(samples.filter(s => s.name === 'puls_http_requests_total').map(s => s.labels.route))
  for (const route of routes) {
    t.ok(route === 'unmatched' || /^\/[a-z0-9/:_.*-]*$/i.test(route!), `route label "${route}" is a pattern`)
    t.notOk(route?.includes('/nope'), 'an unmatched path is not echoed')
  }
  t.ok(routes.has('unmatched'))
  t.ok(
    sampleValue(samples, 'puls_http_requests_total', { method: 'other', route: 'unmatched', status_code: '404' }) === 1,
    'an unusual method is folded into "other"'
  )
})

t.test('METRICS_TOKEN protects /metrics with a bearer token', async t => {
  const secret = 'metrics-token-0123456789'
  const app = await build(t, { env: { METRICS_TOKEN: secret } })

  const missing = await app.inject({ url: '/metrics' })
  t.equal(missing.statusCode, 401)
  t.match(missing.headers['content-type'], /^application\/problem\+json/)
  t.equal(missing.headers['www-authenticate'], 'Bearer realm="puls-metrics"')
  t.match(missing.json(), { status: 401, code: 'unauthorized', detail: /METRICS_TOKEN/ })
  t.notMatch(missing.body, /puls_http_requests_total/)

  for (const header of [
    `Bearer ${secret}x`,
    `Bearer ${secret.slice(0, -1)}`,
    `Basic ${secret}`,
    'Bearer',
    'Bearer test-bootstrap-key-0123456789'
  ]) {
    const res = await app.inject({ url: '/metrics', headers: { authorization: header } })
    t.equal(res.statusCode, 401, `refused: ${header.slice(0, 12)}…`)
    t.notOk(res.body.includes(secret), 'the token is not echoed')
  }
  t.equal((await api(app, { url: '/metrics' })).statusCode, 401, 'an API key is not the metrics token')

  const { samples } = await scrape(app, { authorization: `Bearer ${secret}` })
  t.equal(requests(samples, 'GET', '/metrics', 401), 7, 'refused scrapes are counted too')
  t.equal(
    (await app.inject({ url: '/metrics', headers: { authorization: `bearer ${secret}` } })).statusCode,
    200,
    'the scheme is case-insensitive'
  )

  const open = await build(t)
  t.equal(
    (await open.inject({ url: '/metrics' })).statusCode,
    200,
    'without METRICS_TOKEN, /metrics is open on loopback (HOST defaults to 127.0.0.1)'
  )
})

t.test('METRICS_TOKEN must be long enough to resist guessing', async t => {
  t.throws(() => loadConfig({ METRICS_TOKEN: 'short' }), { message: /METRICS_TOKEN: must be at least 16 characters/ })
})

t.test('apps in one process keep their own registries', async t => {
  const a = await build(t)
  const b = await build(t)
  await a.inject({ url: '/healthz' })
  await a.inject({ url: '/healthz' })
  await b.inject({ url: '/healthz' })
  t.equal(requests((await scrape(a)).samples, 'GET', '/healthz', 200), 2)
  t.equal(requests((await scrape(b)).samples, 'GET', '/healthz', 200), 1)
})
