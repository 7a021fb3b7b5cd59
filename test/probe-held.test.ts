import t from 'tap'
import { API_KEY, api, build } from './helpers/build.js'
import { createSurvey, invite, linkToken, submitForm } from './helpers/puls.js'
import { portOf, rawRequest } from './helpers/raw-http.js'

// What a security probe found to hold, kept holding: each test here passed before the probe's
// fixes and guards a property a later change could break (docs/anonymity.md, "Security").

type App = Awaited<ReturnType<typeof build>>

async function listening (t: { teardown: (fn: () => unknown) => void }): Promise<App & { port: number }> {
  const app = await build(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return Object.assign(app, { port: portOf(app) })
}

function get (port: number, path: string, headers = ''): Promise<string> {
  return rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: puls\r\nConnection: close\r\n${headers}\r\n`)
}

const status = (answer: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1])

t.test('every /v1 route answers 401 without a valid key, and no path variant serves data', async t => {
  const app = await listening(t)
  const survey = await createSurvey(app)
  const doc = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> }
  // Ticketing systems' hooks are authenticated by their own signatures (test/hooks.test.ts).
  const routes = Object.entries(doc.paths).filter(([path]) => path.startsWith('/v1/') && !path.startsWith('/v1/hooks/'))
  t.ok(routes.length > 10, 'the document lists the API')
  for (const [path, operations] of routes) {
    const url = path.replace(/\{[^}]+\}/g, survey.id)
    for (const method of Object.keys(operations).map(m => m.toUpperCase())) {
      for (const auth of [
        '',
        'Authorization: Bearer wrong-key-0123456789abcdef\r\n',
        `Authorization: Basic ${API_KEY}\r\n`
      ]) {
        const answer = await rawRequest(
          app.port,
          `${method} ${url} HTTP/1.1\r\nHost: puls\r\nConnection: close\r\n${auth}` +
            'Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}'
        )
        t.equal(status(answer), 401, `${method} ${url} ${auth === '' ? 'without a key' : auth.split(' ')[1]}`)
      }
    }
  }
  const variants = [
    '/v1/surveys',
    '/v1//surveys',
    '/V1/surveys',
    '/v1/%73urveys',
    '/v1/surveys/',
    '/v1/./surveys',
    '/v1/x/../surveys',
    '//v1/surveys',
    '/v1/surveys%2f',
    '/%761/surveys',
    `/v1/surveys/${survey.id}`,
    `/v1/surveys/${survey.id}/results`
  ]
  for (const path of variants) {
    const answer = await get(app.port, path)
    t.ok([401, 404].includes(status(answer)), `${path}: ${status(answer)}`)
    t.notOk(answer.includes(survey.id) && status(answer) !== 404, `${path} shows no survey`)
  }
})

t.test('no CORS headers: a page elsewhere cannot read the API with a key the browser holds', async t => {
  const app = await listening(t)
  const origin = 'Origin: https://evil.example\r\n'
  const preflight = await rawRequest(
    app.port,
    'OPTIONS /v1/surveys HTTP/1.1\r\nHost: puls\r\nConnection: close\r\n' +
      origin +
      'Access-Control-Request-Method: GET\r\nAccess-Control-Request-Headers: authorization\r\n\r\n'
  )
  const answers = [
    preflight,
    await get(app.port, '/v1/surveys', `${origin}Authorization: Bearer ${API_KEY}\r\n`),
    await get(app.port, '/healthz', origin),
    await get(app.port, '/openapi.json', origin)
  ]
  for (const answer of answers) t.notMatch(answer, /^access-control-/im, answer.split('\r\n')[0]!)
})

t.test('CR/LF in an e-mail field is refused, naming the field', async t => {
  const app = await build(t)
  const survey = await createSurvey(app)
  for (const email of ['kari@example.com\r\nBcc: all@example.com', 'kari@example.com\nX: y', 'kari@exa\rmple.com']) {
    const res = await invite(app, survey.id, { email, case_ref: 'INC-1' })
    t.equal(res.statusCode, 400, JSON.stringify(email))
    t.match(res.json().errors, [{ path: 'body.email' }])
    const event = await api(app, {
      method: 'POST',
      url: '/v1/events/case-closed',
      payload: { case_ref: 'INC-2', email, team: 'it' }
    })
    t.match(event.json().errors, [{ path: 'body.email' }])
  }
})

t.test('{{…}} in what users type stays literal text on pages', async t => {
  const app = await build(t)
  const typed = '{{7*7}} {{constructor.constructor}} {{> layout}}'
  const survey = await createSurvey(app, { question: { en: typed } })
  const token = await linkToken(app, survey.id)
  const page = await app.inject({ url: `/s/${token}` })
  t.equal(page.statusCode, 200)
  t.match(page.body, '{{7*7}} {{constructor.constructor}} {{&gt; layout}}', 'shown as typed, escaped')
  t.notMatch(page.body, /\b49\b|function Function/)
})

t.test('no open redirect: every Location stays on Puls', async t => {
  const app = await listening(t)
  const survey = await createSurvey(app)
  const token = await linkToken(app, survey.id)
  const answered = await submitForm(
    app,
    token,
    { score: '4', next: 'https://evil.example/' },
    { referer: 'https://evil.example/' }
  )
  t.equal(answered.statusCode, 303)
  const locations = [answered.headers.location as string]
  for (const path of [
    '//evil.example/',
    '/\\evil.example/',
    '/%2f%2fevil.example/',
    `/s/${token}//evil.example`,
    '/docs//evil.example',
    '/docs?url=https://evil.example',
    `/s/${token}?redirect=https://evil.example`,
    '/.%2e/evil.example',
    '/docs/',
    '/docs'
  ]) {
    const answer = await get(app.port, path)
    const location = /^location: (.*)$/im.exec(answer)?.[1]
    if (location !== undefined) locations.push(location)
  }
  for (const location of locations) t.notMatch(location, /^(\/\/|\/\\|[a-z]+:)|evil/i, location)
})

t.test('no path traversal through static or template paths', async t => {
  const app = await listening(t)
  const survey = await createSurvey(app)
  const token = await linkToken(app, survey.id)
  const paths = [
    '/docs/static/../../../package.json',
    '/docs/static/%2e%2e/%2e%2e/%2e%2e/package.json',
    '/docs/static/..%2f..%2f..%2fpackage.json',
    '/docs/static/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc/passwd',
    '/docs/static/....//....//package.json',
    '/../../../../etc/passwd',
    `/s/${token}?locale=../../../../etc/passwd`,
    `/s/${token}?lang=..%2f..%2fpackage`,
    '/s/..%2f..%2fpackage.json',
    `/s/${token}/thanks?locale=../../templates/pages/layout`
  ]
  for (const path of paths) {
    const answer = await get(app.port, path, 'Accept-Language: ../../../../etc/passwd\r\n')
    t.notMatch(answer, /"devDependencies"|root:x:0:0|\{\{#/, `${path}: ${status(answer)}`)
    t.ok(status(answer) < 500, `${path}: no 5xx (${answer.split('\r\n')[0]} ${answer.slice(-200)})`)
  }
})

t.test('deeply nested bodies are refused with a 4xx, not a crash', async t => {
  const app = await build(t)
  const survey = await createSurvey(app)
  for (const depth of [100, 10_000, 100_000]) {
    const nested = '['.repeat(depth) + ']'.repeat(depth)
    const bodies = [
      `{"name":${nested},"kind":"post_case","team":"it"}`,
      `{"email":"kari@example.com","attributes":{"a":${nested}}}`
    ]
    for (const [i, payload] of bodies.entries()) {
      const url = i === 0 ? '/v1/surveys' : `/v1/surveys/${survey.id}/invitations`
      const res = await api(app, { method: 'POST', url, payload, headers: { 'content-type': 'application/json' } })
      t.ok(res.statusCode >= 400 && res.statusCode < 500, `${url} at depth ${depth}: ${res.statusCode}`)
    }
  }
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 200, 'the service still answers')
})
