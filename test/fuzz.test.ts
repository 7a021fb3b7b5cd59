import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import t from 'tap'
import { BATCH_BODY_LIMIT } from '../src/invitations/routes.js'
import { ANSWER_BODY_LIMIT } from '../src/respondent/routes.js'
import { MULTIPART_BODY_LIMIT } from '../src/respondent/unsubscribe.js'
import { api, build } from './helpers/build.js'
import { FUZZ_RUNS, FUZZ_SEED, fuzzRoute, snapshot, type FuzzRoute } from './helpers/fuzz.js'
import { linkToken, rows, type App } from './helpers/puls.js'

// Property-based fuzzing of every route (fast-check): random and hostile bodies, headers, query
// strings and path parameters. Never a 5xx; every 4xx is problem+json (or the route's friendly
// page) and changes nothing. A new route is one line in ROUTES; a test fails while one is missing.
// Replay a failure with FUZZ_SEED=<seed> (printed on failure).

const SURVEY = {
  name: 'IT desk after a case',
  kind: 'post_case',
  team: 'it',
  question: { en: 'How did we do?' },
  link_ttl_days: 7,
  min_group_size: 5
}

/** What the routes need to exist: a survey, a handed-out link, a mailed link, a collector. */
interface Fixtures {
  surveyId: string
  link: string
  mailed: string
  collectorId: string
  collector: string
  report: string
  shareLinkId: string
  webhookId: string
}

/** `bodyLimit`: the route's own limit where it has one; `multipartLimit`: its multipart parser's. */
type Route = FuzzRoute & { name?: string; bodyLimit?: number; multipartLimit?: number }

const DEFAULT_BODY_LIMIT = 1024 * 1024

function routes (f: Fixtures): Route[] {
  const survey = { id: f.surveyId }
  return [
    { method: 'GET', url: '/healthz' },
    { method: 'GET', url: '/readyz' },
    { method: 'GET', url: '/metrics' },
    { method: 'GET', url: '/openapi.json' },
    { method: 'GET', url: '/docs/' },
    { method: 'GET', url: '/docs/json' },
    { method: 'GET', url: '/docs/yaml' },
    { method: 'GET', url: '/docs/static/*', params: { '*': 'swagger-ui.css' } },
    { method: 'POST', url: '/v1/surveys', auth: true, body: SURVEY },
    {
      method: 'GET',
      url: '/v1/surveys',
      auth: true,
      query: { kind: 'post_case', team: 'it', status: 'active', limit: '5' }
    },
    { method: 'GET', url: '/v1/surveys/:id', auth: true, params: survey },
    {
      method: 'PATCH',
      url: '/v1/surveys/:id',
      auth: true,
      params: survey,
      body: { name: 'Renamed', reminder_after_days: 2 }
    },
    {
      method: 'POST',
      url: '/v1/surveys/:id/invitations',
      auth: true,
      params: survey,
      body: {
        channel: 'email',
        email: 'kari@example.com',
        case_ref: 'INC-9',
        locale: 'de',
        attributes: { agent: 'ola', category: 'vpn' }
      }
    },
    {
      method: 'POST',
      url: '/v1/surveys/:id/invitations/batch',
      auth: true,
      params: survey,
      bodyLimit: BATCH_BODY_LIMIT,
      body: {
        invitations: [
          { channel: 'link', attributes: { site: 'oslo' } },
          { email: 'per@example.com', locale: 'nb' }
        ]
      }
    },
    {
      method: 'POST',
      url: '/v1/events/case-closed',
      auth: true,
      body: { case_ref: 'INC-77', email: 'ola@example.com', team: 'it', agent: 'ola', category: 'vpn', locale: 'nb' }
    },
    { method: 'POST', url: '/v1/events/case-reopened', auth: true, body: { case_ref: 'INC-77', team: 'it' } },
    {
      method: 'POST',
      url: '/v1/surveys/:id/collectors',
      auth: true,
      params: survey,
      body: { label: 'Floor 3', locale: 'nb', attributes: { floor: '3' } }
    },
    {
      method: 'GET',
      url: '/v1/surveys/:id/collectors',
      auth: true,
      params: survey,
      query: { status: 'active', limit: '5' }
    },
    { method: 'GET', url: '/v1/collectors/:id', auth: true, params: { id: f.collectorId } },
    {
      method: 'PATCH',
      url: '/v1/collectors/:id',
      auth: true,
      params: { id: f.collectorId },
      body: { label: 'Floor 3, east wing', cooldown_seconds: 0 }
    },
    {
      method: 'GET',
      url: '/v1/collectors/:id/qr',
      auth: true,
      params: { id: f.collectorId },
      query: { format: 'png', size: '256', margin: '2' }
    },
    { method: 'GET', url: '/v1/collectors/:id/poster', auth: true, params: { id: f.collectorId } },
    { method: 'GET', url: '/s/:token', params: { token: f.link }, query: { score: '7' }, errorPages: true },
    {
      method: 'GET',
      url: '/s/:token',
      name: 'GET /s/:token (collector)',
      params: { token: f.collector },
      errorPages: true
    },
    {
      method: 'POST',
      url: '/s/:token',
      params: { token: f.link },
      body: { score: 4, comment: 'Quick and friendly' },
      errorPages: true,
      bodyLimit: ANSWER_BODY_LIMIT
    },
    {
      method: 'POST',
      url: '/s/:token',
      name: 'POST /s/:token (collector)',
      params: { token: f.collector },
      body: { score: 5 },
      errorPages: true,
      bodyLimit: ANSWER_BODY_LIMIT
    },
    { method: 'GET', url: '/s/:token/thanks', params: { token: f.link }, errorPages: true },
    { method: 'GET', url: '/s/:token/unsubscribe', params: { token: f.mailed }, errorPages: true },
    {
      method: 'GET',
      url: '/v1/surveys/:id/results',
      auth: true,
      params: survey,
      query: { from: '2026-01-01', to: '2026-12-31', interval: 'month', group_by: 'agent', category: 'vpn' }
    },
    { method: 'GET', url: '/v1/results', auth: true, query: { team: 'it', metric: 'csat', interval: 'month' } },
    {
      method: 'GET',
      url: '/v1/surveys/:id/responses.csv',
      auth: true,
      params: survey,
      query: { from: '2026-01-01', to: '2026-12-31' }
    },
    {
      method: 'GET',
      url: '/v1/surveys/:id/report',
      auth: true,
      params: survey,
      query: { interval: 'week', group_by: 'agent', locale: 'de' }
    },
    {
      method: 'POST',
      url: '/v1/surveys/:id/share-links',
      auth: true,
      params: survey,
      body: { expires_in_days: 7, interval: 'month', group_by: 'agent', locale: 'nb' }
    },
    { method: 'GET', url: '/v1/surveys/:id/share-links', auth: true, params: survey },
    { method: 'GET', url: '/r/:token', params: { token: f.report }, errorPages: true },
    { method: 'DELETE', url: '/v1/share-links/:id', auth: true, params: { id: f.shareLinkId } },
    { method: 'PUT', url: '/v1/surveys/:id/target', auth: true, params: survey, body: { value: 80 } },
    { method: 'DELETE', url: '/v1/surveys/:id/target', auth: true, params: survey },
    {
      method: 'PUT',
      url: '/v1/teams/:team/targets/:metric',
      auth: true,
      params: { team: 'it', metric: 'csat' },
      body: { value: 80 }
    },
    { method: 'DELETE', url: '/v1/teams/:team/targets/:metric', auth: true, params: { team: 'it', metric: 'csat' } },
    {
      method: 'PUT',
      url: '/v1/surveys/:id/items/:key/target',
      auth: true,
      params: { ...survey, key: 'fcr' },
      body: { value: 70 }
    },
    { method: 'DELETE', url: '/v1/surveys/:id/items/:key/target', auth: true, params: { ...survey, key: 'fcr' } },
    {
      method: 'PUT',
      url: '/v1/teams/:team/items/:key/target',
      auth: true,
      params: { team: 'it', key: 'fcr' },
      body: { value: 70, measure: 'yes_percent' }
    },
    { method: 'DELETE', url: '/v1/teams/:team/items/:key/target', auth: true, params: { team: 'it', key: 'fcr' } },
    {
      method: 'POST',
      url: '/v1/webhooks',
      auth: true,
      body: { url: 'http://127.0.0.1:9/hook', events: ['survey.closed'], teams: ['it'], format: 'slack', locale: 'de' }
    },
    { method: 'GET', url: '/v1/webhooks', auth: true },
    { method: 'GET', url: '/v1/webhooks/:id', auth: true, params: { id: f.webhookId } },
    {
      method: 'GET',
      url: '/v1/webhooks/:id/deliveries',
      auth: true,
      params: { id: f.webhookId },
      query: { limit: '5' }
    },
    { method: 'POST', url: '/v1/webhooks/:id/enable', auth: true, params: { id: f.webhookId } },
    { method: 'POST', url: '/v1/webhooks/:id/test', auth: true, params: { id: f.webhookId } },
    { method: 'DELETE', url: '/v1/webhooks/:id', auth: true, params: { id: f.webhookId } },
    {
      method: 'GET',
      url: '/v1/audit',
      auth: true,
      query: {
        limit: '10',
        action: 'report.read',
        survey_id: f.surveyId,
        team: 'it',
        from: '2026-03-01',
        to: '2026-03-31'
      }
    },
    {
      method: 'POST',
      url: '/s/:token/unsubscribe',
      params: { token: f.mailed },
      body: { 'List-Unsubscribe': 'One-Click' },
      errorPages: true,
      multipartLimit: MULTIPART_BODY_LIMIT
    }
  ]
}

/** The fixtures, made through the API; the mailed link is read from the mail written to disk. */
async function fixtures (app: App): Promise<Fixtures> {
  const surveyId = (await api(app, { method: 'POST', url: '/v1/surveys', payload: SURVEY })).json().id
  const link = await linkToken(app, surveyId)
  const invited = await api(app, {
    method: 'POST',
    url: `/v1/surveys/${surveyId}/invitations`,
    payload: { email: 'anna@example.com', case_ref: 'INC-1' }
  })
  if (invited.statusCode !== 201) throw new Error(invited.body)
  await app.outbox.flush()
  const mailDir = join(app.dataDir, 'mail')
  const eml = readdirSync(mailDir)
    .map(file => readFileSync(join(mailDir, file), 'utf8'))
    .join('\n')
  const mailed = /\/s\/([A-Za-z0-9_-]{43})\/unsubscribe/.exec(eml)![1]!
  const collector = (
    await api(app, {
      method: 'POST',
      url: `/v1/surveys/${surveyId}/collectors`,
      payload: { label: 'Desk', cooldown_seconds: 0, max_answers_per_hour: 10_000 }
    })
  ).json()
  const share = async (): Promise<{ id: string; url: string }> =>
    (await api(app, { method: 'POST', url: `/v1/surveys/${surveyId}/share-links`, payload: {} })).json()
  const report = (await share()).url
  return {
    surveyId,
    link,
    mailed,
    collectorId: collector.id,
    collector: collector.url.slice(collector.url.lastIndexOf('/s/') + 3),
    report: report.slice(report.lastIndexOf('/r/') + 3),
    shareLinkId: (await share()).id,
    webhookId: (
      await api(app, {
        method: 'POST',
        url: '/v1/webhooks',
        payload: { url: 'http://127.0.0.1:9/hook', events: ['survey.closed'] }
      })
    ).json().id
  }
}

t.comment(`fuzz seed ${FUZZ_SEED}, ${FUZZ_RUNS} runs per route`)

t.test('every route survives random and hostile requests', async t => {
  // The limiter stays on (its hooks are fuzzed too) but high enough not to answer every run.
  const app = await build(t, { env: { RATE_LIMIT_MAX: '1000000' } })
  for (const route of routes(await fixtures(app))) {
    await t.test(route.name ?? `${route.method} ${route.url}`, async t => {
      const { statuses } = await fuzzRoute(app, route)
      t.comment(
        `statuses: ${[...statuses]
          .sort(([a], [b]) => a - b)
          .map(([s, n]) => `${s}×${n}`)
          .join(' ')}`
      )
      t.ok(
        [...statuses.keys()].some(s => s < 400),
        'some requests got through'
      )
      if (route.auth === true || route.body !== undefined || route.params !== undefined) {
        t.ok(
          [...statuses.keys()].some(s => s >= 400),
          'some were refused'
        )
      }
    })
  }
})

/** `METHOD /path/:param` of every operation in the service's OpenAPI document. */
function documentedRoutes (app: App): Array<{ route: string; consumes: string[] }> {
  const doc = app.swagger() as {
    paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>>
  }
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, op]) => ({
      route: `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`,
      consumes: Object.keys(op.requestBody?.content ?? {})
    }))
  )
}

t.test('the table holds every route of the OpenAPI document', async t => {
  const app = await build(t)
  const table = new Set(
    routes({
      surveyId: 'x',
      link: 'x',
      mailed: 'x',
      collectorId: 'x',
      collector: 'x',
      report: 'x',
      shareLinkId: 'x',
      webhookId: 'x'
    }).map(r => `${r.method} ${r.url}`)
  )
  const documented = documentedRoutes(app)
  t.ok(documented.length >= 22, `${documented.length} documented operations`)
  // Ticketing hooks need a valid signature over the body before anything goes through: their bad
  // input, bad signatures and unexpected states are tried in test/hooks.test.ts.
  for (const { route } of documented.filter(d => !d.route.startsWith('POST /v1/hooks/'))) {
    t.ok(table.has(route), `${route} is fuzzed`)
  }
})

/** A body one byte over the route's limit for the given media type. */
function oversized (route: Route, type: string): string {
  const body = route.body!
  const big =
    'x'.repeat(
      (type === 'multipart/form-data' ? route.multipartLimit : undefined) ?? route.bodyLimit ?? DEFAULT_BODY_LIMIT
    ) + 'x'
  if (type === 'application/json') return JSON.stringify({ ...body, name: big })
  if (type === 'multipart/form-data') {
    return `--x\r\nContent-Disposition: form-data; name="name"\r\n\r\n${big}\r\n--x--\r\n`
  }
  return `name=${big}`
}

t.test(
  'oversized bodies are refused with 413 on every route that takes a body, in every media type it takes',
  async t => {
    const app = await build(t)
    const f = await fixtures(app)
    await app.outbox.flush()
    const before = await snapshot(app)
    const consumes = new Map(documentedRoutes(app).map(r => [r.route, r.consumes]))
    for (const route of routes(f).filter(r => r.body !== undefined)) {
      const types = consumes.get(`${route.method} ${route.url}`) ?? []
      t.ok(types.length > 0, `${route.method} ${route.url} documents its media types`)
      for (const type of types) {
        const url = route.url.replace(/:(\w+)/g, (_, name: string) => route.params![name]!)
        const res = await api(app, {
          method: route.method,
          url,
          headers: { 'content-type': type === 'multipart/form-data' ? `${type}; boundary=x` : type },
          payload: oversized(route, type)
        })
        const name = `${route.name ?? `${route.method} ${route.url}`} as ${type}`
        t.equal(res.statusCode, 413, name)
        if (route.errorPages === true && String(res.headers['content-type']).startsWith('text/html')) {
          t.match(res.body, /<html/, `${name}: the friendly page`)
        } else {
          t.match(res.headers['content-type'], /^application\/problem\+json/, `${name}: a problem`)
          t.match(res.json(), { status: 413, code: 'fst_err_ctp_body_too_large' })
        }
      }
    }
    t.equal(await snapshot(app), before, 'nothing changed')
  }
)

t.test(
  'a one-click unsubscribe streamed without a length is cut off past its limit, and a small one works',
  async t => {
    const app = await build(t)
    const { mailed } = await fixtures(app)
    const part = (value: string) =>
      `--x\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n${value}\r\n--x--\r\n`
    const headers = { 'content-type': 'multipart/form-data; boundary=x', accept: 'application/json' }
    const before = await snapshot(app)
    const streamed = await app.inject({
      method: 'POST',
      url: `/s/${mailed}/unsubscribe`,
      headers,
      payload: Readable.from([part('x'.repeat(MULTIPART_BODY_LIMIT))])
    })
    t.equal(streamed.statusCode, 413, 'refused by the bytes that arrived, not by a Content-Length')
    t.equal(await snapshot(app), before, 'and not opted out')
    const small = await app.inject({
      method: 'POST',
      url: `/s/${mailed}/unsubscribe`,
      headers: { 'content-type': headers['content-type'] },
      payload: part('One-Click')
    })
    t.equal(small.statusCode, 200, 'RFC 8058 one-click as multipart')
    t.equal((await rows<{ n: number }>(app, 'SELECT count(*) AS n FROM opt_outs'))[0]!.n, 1, 'opted out')
  }
)
