import t, { type Test } from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { InjectOptions } from 'fastify'
import { API_KEY, api, build, testClock } from './helpers/build.js'
import { withProbePage } from './helpers/pages.js'
import { createSurvey, invite, linkToken, submitForm } from './helpers/puls.js'

type App = Awaited<ReturnType<typeof build>>

/** What the pages need: a survey, links in every state, a mailed link, a collector. */
interface Fixtures {
  surveyId: string
  open: string
  used: string
  expired: string
  mailed: string
  collector: string
  collectorId: string
  busyCollector: string
  report: string
  revokedReport: string
}

async function fixtures (app: App, clock: ReturnType<typeof testClock>): Promise<Fixtures> {
  const survey = await createSurvey(app, { link_ttl_days: 2 })
  const expired = await linkToken(app, survey.id)
  clock.advanceDays(3)
  const open = await linkToken(app, survey.id)
  const used = await linkToken(app, survey.id)
  await submitForm(app, used, { score: '4' })
  const invited = await invite(app, survey.id, { email: 'kari@example.com', case_ref: 'INC-1' })
  if (invited.statusCode !== 201) throw new Error(invited.body)
  await app.outbox.flush()
  const mailDir = join(app.dataDir, 'mail')
  const mailed = /\/s\/([A-Za-z0-9_-]{43})\/unsubscribe/.exec(
    readdirSync(mailDir)
      .map(f => readFileSync(join(mailDir, f), 'utf8'))
      .join('\n')
  )![1]!
  const collector = (
    await api(app, { method: 'POST', url: `/v1/surveys/${survey.id}/collectors`, payload: { label: 'Floor 3' } })
  ).json()
  const busy = (
    await api(app, {
      method: 'POST',
      url: `/v1/surveys/${survey.id}/collectors`,
      payload: { label: 'Floor 4', max_answers_per_hour: 1, cooldown_seconds: 0 }
    })
  ).json()
  const busyCollector = busy.url.slice(busy.url.lastIndexOf('/s/') + 3)
  await submitForm(app, busyCollector, { score: '3' })
  const share = async (): Promise<{ id: string; url: string }> =>
    (await api(app, { method: 'POST', url: `/v1/surveys/${survey.id}/share-links`, payload: {} })).json()
  const report = await share()
  const revoked = await share()
  await api(app, { method: 'DELETE', url: `/v1/share-links/${revoked.id}` })
  const tokenOf = (url: string, prefix: string): string => url.slice(url.lastIndexOf(prefix) + prefix.length)
  return {
    surveyId: survey.id,
    open,
    used,
    expired,
    mailed,
    collector: tokenOf(collector.url, '/s/'),
    collectorId: collector.id,
    busyCollector,
    report: tokenOf(report.url, '/r/'),
    revokedReport: tokenOf(revoked.url, '/r/')
  }
}

const form = (payload: string): Partial<InjectOptions> => ({
  method: 'POST',
  payload,
  headers: { 'content-type': 'application/x-www-form-urlencoded' }
})

// Every HTML page Puls serves, one line each, with the status it answers. `policy` says which CSP
// it must carry: `page` for our own pages (strict, nonce-only styles, no scripts), `docs` for
// swagger-ui at /docs only.
const PAGES: Array<{ name: string; request: (f: Fixtures) => InjectOptions; status: number; policy: 'page' | 'docs' }> =
  [
    {
      name: 'a page rendered by the views plugin',
      request: () => ({ url: '/test/page' }),
      status: 200,
      policy: 'page'
    },
    { name: 'the API docs', request: () => ({ url: '/docs/' }), status: 200, policy: 'docs' },
    { name: 'the survey page', request: f => ({ url: `/s/${f.open}?score=4` }), status: 200, policy: 'page' },
    {
      name: 'the survey page through a collector',
      request: f => ({ url: `/s/${f.collector}` }),
      status: 200,
      policy: 'page'
    },
    {
      name: 'the survey page again, with the error (400)',
      request: f => ({ url: `/s/${f.open}`, ...form('score=99&comment=hi') }),
      status: 400,
      policy: 'page'
    },
    { name: 'the thank-you page', request: f => ({ url: `/s/${f.used}/thanks` }), status: 200, policy: 'page' },
    { name: 'an unknown link (404)', request: () => ({ url: `/s/${'x'.repeat(43)}` }), status: 404, policy: 'page' },
    { name: 'an answered link (409)', request: f => ({ url: `/s/${f.used}` }), status: 409, policy: 'page' },
    { name: 'an expired link (410)', request: f => ({ url: `/s/${f.expired}` }), status: 410, policy: 'page' },
    {
      name: 'a busy collector (429)',
      request: f => ({ url: `/s/${f.busyCollector}`, ...form('score=3') }),
      status: 429,
      policy: 'page'
    },
    {
      name: 'the unsubscribe confirmation',
      request: f => ({ url: `/s/${f.mailed}/unsubscribe` }),
      status: 200,
      policy: 'page'
    },
    {
      name: 'the unsubscribe done page',
      request: f => ({ url: `/s/${f.mailed}/unsubscribe`, ...form('') }),
      status: 200,
      policy: 'page'
    },
    {
      name: 'the poster',
      request: f => ({
        url: `/v1/collectors/${f.collectorId}/poster`,
        headers: { authorization: `Bearer ${API_KEY}` }
      }),
      status: 200,
      policy: 'page'
    },
    {
      name: 'the report',
      request: f => ({ url: `/v1/surveys/${f.surveyId}/report`, headers: { authorization: `Bearer ${API_KEY}` } }),
      status: 200,
      policy: 'page'
    },
    { name: 'the shared report', request: f => ({ url: `/r/${f.report}` }), status: 200, policy: 'page' },
    {
      name: 'a revoked report link (410)',
      request: f => ({ url: `/r/${f.revokedReport}` }),
      status: 410,
      policy: 'page'
    },
    {
      name: 'an unknown report link (404)',
      request: () => ({ url: `/r/${'x'.repeat(43)}` }),
      status: 404,
      policy: 'page'
    }
  ]

// JSON answers of every kind: success, problem, unauthenticated, unknown route.
const JSON_ROUTES: Array<{ name: string; url: string; auth?: boolean; status: number }> = [
  { name: 'liveness', url: '/healthz', status: 200 },
  { name: 'readiness', url: '/readyz', status: 200 },
  { name: 'the OpenAPI document', url: '/openapi.json', status: 200 },
  { name: 'a /v1 list', url: '/v1/surveys', auth: true, status: 200 },
  { name: 'a /v1 route without a key', url: '/v1/surveys', status: 401 },
  { name: 'a /v1 validation problem', url: '/v1/surveys?limit=0', auth: true, status: 400 },
  { name: 'an unknown route', url: '/nope', status: 404 }
]

function directives (header: string | undefined): Map<string, string[]> {
  return new Map(
    (header ?? '')
      .split(';')
      .map(d => d.trim().split(/\s+/))
      .filter(d => d[0] !== '')
      .map(([name, ...values]) => [name!, values])
  )
}

/** Headers every answer carries, HTML or not. */
function basicHeaders (t: Test, headers: Record<string, unknown>, name: string): void {
  t.equal(headers['x-content-type-options'], 'nosniff', `${name}: nosniff`)
  t.equal(headers['x-frame-options'], 'DENY', `${name}: no framing`)
  t.equal(headers['referrer-policy'], 'no-referrer', `${name}: a token in the URL never leaks as a Referer`)
  t.match(headers['strict-transport-security'], /max-age=\d+/, `${name}: HSTS`)
  t.equal(headers['cross-origin-opener-policy'], 'same-origin', `${name}: COOP`)
  t.equal(headers['cross-origin-resource-policy'], 'same-origin', `${name}: CORP`)
  t.notOk('x-powered-by' in headers, `${name}: no X-Powered-By`)
  const csp = directives(headers['content-security-policy'] as string | undefined)
  t.same(csp.get('default-src'), ["'none'"], `${name}: default-src 'none'`)
  t.same(csp.get('frame-ancestors'), ["'none'"], `${name}: frame-ancestors 'none'`)
}

t.test('every HTML page carries the security headers and its Content-Security-Policy', async t => {
  const clock = testClock()
  const app = await build(t, { ...withProbePage(), clock })
  const f = await fixtures(app, clock)
  for (const page of PAGES) {
    const request = page.request(f)
    const res = await app.inject(request)
    t.equal(res.statusCode, page.status, `${page.name} answers ${page.status}`)
    t.match(res.headers['content-type'], /^text\/html/, `${page.name} is HTML`)
    basicHeaders(t, res.headers, page.name)
    const csp = directives(res.headers['content-security-policy'] as string)
    t.same(csp.get('base-uri'), ["'none'"], `${page.name}: base-uri 'none'`)
    t.same(csp.get('form-action'), ["'self'"], `${page.name}: form-action 'self'`)
    t.same(csp.get('img-src'), ["'self'", 'data:'], `${page.name}: img-src 'self' data:`)
    const all = [...csp.values()].flat()
    t.notOk(
      all.some(v => /unsafe|\*|https?:/.test(v)),
      `${page.name}: no unsafe-*, wildcard or remote source`
    )

    if (page.policy === 'page') {
      // Scripts: only a per-request nonce no template uses, so no script runs at all.
      t.match(csp.get('script-src'), [/^'nonce-[0-9a-f]{32}'$/], `${page.name}: script-src is a nonce only`)
      t.equal(csp.get('script-src')?.length, 1)
      t.match(csp.get('style-src'), [/^'nonce-[0-9a-f]{32}'$/], `${page.name}: style-src is a nonce only`)
      t.equal(csp.get('style-src')?.length, 1)
      const styleNonce = /^'nonce-(.+)'$/.exec(csp.get('style-src')![0]!)![1]
      const styles = [...res.body.matchAll(/<style([^>]*)>/g)].map(m => m[1])
      t.ok(styles.length > 0, `${page.name} has its stylesheet`)
      for (const attrs of styles) {
        t.equal(attrs, ` nonce="${styleNonce}"`, `${page.name}: every <style> carries this response's nonce`)
      }
      t.notMatch(res.body, /<script/i, `${page.name}: no script element`)
      t.notMatch(
        res.body,
        /\sstyle=|\son[a-z]+=/i,
        `${page.name}: no inline style or event attribute (the CSP would block it)`
      )
      const again = await app.inject(request)
      t.not(
        again.headers['content-security-policy'],
        res.headers['content-security-policy'],
        `${page.name}: a fresh nonce per response`
      )
    } else {
      t.same(csp.get('script-src'), ["'self'"], `${page.name}: scripts from Puls only`)
      t.same(csp.get('style-src'), ["'self'"], `${page.name}: styles from Puls only`)
      t.same(csp.get('connect-src'), ["'self'"], `${page.name}: fetches to Puls only`)
    }
  }
})

t.test('the looser docs policy stays on /docs', async t => {
  const app = await build(t)
  const docs = directives(
    (await app.inject({ url: '/docs/static/swagger-ui.css' })).headers['content-security-policy'] as string
  )
  t.same(docs.get('script-src'), ["'self'"], 'docs assets carry the docs policy')
  for (const url of ['/openapi.json', '/healthz', '/nope', '/docsx']) {
    const csp = directives((await app.inject({ url })).headers['content-security-policy'] as string)
    t.notOk(csp.has('connect-src'), `${url} does not get the docs policy`)
    t.match(csp.get('script-src'), [/^'nonce-/], `${url} has the strict policy`)
  }
})

t.test('JSON answers carry the basic security headers', async t => {
  const app = await build(t)
  for (const route of JSON_ROUTES) {
    const res = await app.inject({
      url: route.url,
      headers: route.auth === true ? { authorization: `Bearer ${API_KEY}` } : {}
    })
    t.equal(res.statusCode, route.status, `${route.name}: status`)
    t.match(res.headers['content-type'], /^application\/(problem\+)?json/, `${route.name}: JSON`)
    basicHeaders(t, res.headers, route.name)
  }
})
