import t from 'tap'
import { build } from './helpers/build.js'
import { loadConfig } from '../src/config.js'

// A finding of a security probe: /metrics was open by default, and its answer counters tick with
// every answer, so anyone who can reach it can time answers. Without METRICS_TOKEN it is served
// only when the service listens on loopback and no proxy forwards to it (docs/anonymity.md).

const TOKEN = 'metrics-token-0123456789'

t.test('without METRICS_TOKEN, /metrics is refused when the service listens beyond loopback', async t => {
  for (const host of ['0.0.0.0', '::', '192.168.1.10', 'puls.example.com']) {
    const app = await build(t, { env: { HOST: host } })
    const res = await app.inject({ url: '/metrics' })
    t.equal(res.statusCode, 403, host)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.match(res.json(), { status: 403, code: 'metrics_token_required', detail: /METRICS_TOKEN/ })
    t.notMatch(res.body, /puls_answers_total/)
  }
})

t.test('behind a proxy (TRUST_PROXY), loopback is no protection: METRICS_TOKEN is required', async t => {
  const app = await build(t, { env: { HOST: '127.0.0.1', TRUST_PROXY: 'true' } })
  t.equal((await app.inject({ url: '/metrics' })).statusCode, 403)
})

t.test('on loopback only, /metrics needs no token; with METRICS_TOKEN it needs it everywhere', async t => {
  for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) {
    const app = await build(t, { env: { HOST: host } })
    t.equal((await app.inject({ url: '/metrics' })).statusCode, 200, host)
  }
  const app = await build(t, { env: { HOST: '0.0.0.0', METRICS_TOKEN: TOKEN } })
  t.equal((await app.inject({ url: '/metrics' })).statusCode, 401)
  const ok = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })
  t.equal(ok.statusCode, 200)
  t.match(ok.body, /puls_answers_total/)
})

t.test('config: METRICS_TOKEN is typed, optional and at least 16 characters', async t => {
  t.equal(loadConfig({}).metricsToken, undefined)
  t.equal(loadConfig({ METRICS_TOKEN: TOKEN }).metricsToken, TOKEN)
  t.throws(() => loadConfig({ METRICS_TOKEN: 'short' }), /METRICS_TOKEN: must be at least 16 characters/)
})
