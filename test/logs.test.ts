import fc from 'fast-check'
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { tables } from '../src/db/dialect.js'
import { isTokenRequest, redactUrl, serializeError } from '../src/logger.js'
import { API_KEY, api, build, testClock, TEST_STORE } from './helpers/build.js'
import { cliOn } from './helpers/cli.js'
import { captureLogs, leaks } from './helpers/logs.js'

type App = Awaited<ReturnType<typeof build>>

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

t.test('every log line is JSON, and request logs carry the request id', async t => {
  const logs = captureLogs()
  const app = await build(t, { logger: logs.logger })
  const answered = [
    await app.inject({ url: '/healthz' }),
    await app.inject({ url: '/v1/surveys' }),
    await api(app, { method: 'POST', url: '/v1/surveys', payload: { name: 'IT desk', kind: 'post_case', team: 'it' } }),
    await app.inject({ url: '/nowhere' })
  ]
  const entries = logs.lines.map(line => JSON.parse(line) as Record<string, unknown>)
  t.ok(entries.length >= 2 * answered.length, 'an incoming and a completed line per request')
  for (const entry of entries) {
    t.type(entry.level, 'number')
    t.type(entry.time, 'number')
    t.type(entry.msg, 'string')
  }
  for (const res of answered) {
    const id = res.headers['x-request-id'] as string
    t.match(id, UUID)
    const lines = entries.filter(e => e.reqId === id)
    t.same(
      lines.map(e => e.msg),
      ['incoming request', 'request completed'],
      `both lines of request ${id}`
    )
    t.match(lines[1], { res: { statusCode: res.statusCode } })
  }
  t.same(
    entries.filter(e => ('req' in e || 'res' in e) && typeof e.reqId !== 'string'),
    [],
    'no request line without reqId'
  )
})

// The whole-run check of docs/anonymity.md, promise 6: every flow that handles a token, a key or an address drives the
// real app here at trace level, and the log must hold none of them. Add new flows to `flows`.
t.test('no token, API key or e-mail address reaches the log, at any level', async t => {
  const email = 'alice.smith@example.com'
  const token = 'Zq3xK9vLm2Rt8WpY4nBc7dFgHj'
  const metricsToken = 'metrics-token-0123456789abc'
  const wrongKey = 'puls_wrongkey0123456789abcdefghij'
  const logs = captureLogs()
  const clock = testClock()
  // The background jobs run every 50 ms here, so their log lines are part of the run.
  const app = await build(t, {
    logger: logs.logger,
    clock,
    env: {
      METRICS_TOKEN: metricsToken,
      SWEEP_INTERVAL_SECONDS: '0.05',
      RETENTION_INTERVAL_SECONDS: '0.05',
      RETAIN_DAYS: '30'
    }
  })
  // What the CLI printed, searched like the log: an operator's terminal and cron mail are logs too.
  const printed: string[] = []

  const flows: Array<[string, (app: App) => Promise<unknown>]> = [
    [
      'a survey whose texts hold an address',
      async app => {
        const res = await api(app, {
          method: 'POST',
          url: '/v1/surveys',
          payload: { name: `Ask ${email}`, kind: 'relationship', team: email, question: { en: `Mail ${email}?` } }
        })
        t.equal(res.statusCode, 201)
        t.equal((await api(app, { url: `/v1/surveys/${res.json().id}` })).statusCode, 200)
      }
    ],
    [
      'invalid input holding an address',
      async app => {
        t.equal(
          (
            await api(app, {
              method: 'POST',
              url: '/v1/surveys',
              payload: { name: email, kind: email, team: 'it', [email]: 1 }
            })
          ).statusCode,
          400
        )
      }
    ],
    [
      'filters holding an address',
      async app => {
        t.equal(
          (await api(app, { url: `/v1/surveys?team=${encodeURIComponent(email)}&kind=post_case` })).statusCode,
          200
        )
        await api(app, { url: `/v1/surveys?team=${email}&${email}=1&limit=${email}` })
      }
    ],
    [
      'valid, wrong and malformed API keys',
      async app => {
        t.equal((await api(app, { url: '/v1/surveys' })).statusCode, 200)
        t.equal(
          (await app.inject({ url: '/v1/surveys', headers: { authorization: `Bearer ${wrongKey}` } })).statusCode,
          401
        )
        t.equal(
          (await app.inject({ url: '/v1/surveys', headers: { authorization: `Basic ${wrongKey}` } })).statusCode,
          401
        )
      }
    ],
    [
      'respondent and report links, well-formed and mangled',
      async app => {
        for (const path of [
          `/s/${token}`,
          `/s/${token}?score=9`,
          `/s/${token}/unsubscribe`,
          `/r/${token}`,
          `/S/${token}`,
          `//s/${token}`,
          `/%73/${token}`,
          `/s//${token}`,
          `/s/${token}/`
        ]) {
          await app.inject({ url: path })
          await app.inject({ method: 'POST', url: path, payload: { score: 9, comment: `I am ${email}` } })
          await app.inject({ url: path, headers: { accept: 'application/json' } })
        }
      }
    ],
    [
      'unknown URLs holding an address',
      async app => {
        for (const path of [`/${email}`, `/x/${encodeURIComponent(email)}`, `/unsubscribe?email=${email}`]) {
          t.equal((await app.inject({ url: path })).statusCode, 404)
        }
      }
    ],
    [
      'metrics scrapes with the right and a wrong token',
      async app => {
        t.equal(
          (await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${metricsToken}` } })).statusCode,
          200
        )
        t.equal((await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } })).statusCode, 401)
      }
    ],
    [
      'bulk invitations from a CSV file, with invalid rows',
      async app => {
        const survey = (
          await api(app, {
            method: 'POST',
            url: '/v1/surveys',
            payload: { name: 'Staff', kind: 'relationship', team: 'hr' }
          })
        ).json()
        const file = join(t.testdir(), 'people.csv')
        writeFileSync(
          file,
          'email,locale,site\n' +
            `${email},nb,oslo\nnot-${email.replace('@', ' at ')},en,x\n${email}x,xx,y\n` +
            `b${email},${email},z\n${email},de,${email}\n`
        )
        const io = { out: (l: string) => printed.push(l), err: (l: string) => printed.push(l) }
        t.equal(
          (await cliOn(app, ['invite', '--survey', survey.id, file], { LOG_LEVEL: 'trace' }, io)).code,
          0
        )
        t.ok(
          printed.some(l => /^line 3: email: /.test(l)),
          'the invalid row is reported, by line and column only'
        )
        t.ok(
          printed.some(l => /^line 5: locale: is not one of/.test(l)),
          'a locale cell holding an address is not echoed'
        )
      }
    ],
    [
      'the sweep ending an expired invitation',
      async app => {
        const survey = (
          await api(app, {
            method: 'POST',
            url: '/v1/surveys',
            payload: { name: 'IT', kind: 'post_case', team: 'it', link_ttl_days: 1, reminder_after_days: null }
          })
        ).json()
        t.equal(
          (await api(app, { method: 'POST', url: `/v1/surveys/${survey.id}/invitations`, payload: { email } }))
            .statusCode,
          201
        )
        clock.advanceDays(2)
        const swept = (): boolean => logs.lines.some(l => l.includes('"job":"sweep"') && l.includes('"expired":1'))
        for (let i = 0; i < 500 && !swept(); i++) await sleep(20)
        t.ok(
          logs.lines.some(l => l.includes('maintenance job done') && l.includes('"expired":1')),
          'the sweep logged what it did'
        )
      }
    ],
    [
      'retention deleting an answer and its invitation',
      async app => {
        const survey = (
          await api(app, {
            method: 'POST',
            url: '/v1/surveys',
            payload: { name: 'Desk', kind: 'self_service', team: 'it' }
          })
        ).json()
        const link = (
          await api(app, {
            method: 'POST',
            url: `/v1/surveys/${survey.id}/invitations`,
            payload: { channel: 'link', email }
          })
        ).json()
        t.equal(
          (
            await app.inject({
              method: 'POST',
              url: new URL(link.url).pathname,
              payload: { score: 4, comment: `I am ${email}` }
            })
          ).statusCode,
          201
        )
        clock.advanceDays(40)
        const done = () => logs.lines.some(l => l.includes('"job":"retention"') && l.includes('"responses":1'))
        for (let i = 0; i < 500 && !done(); i++) await sleep(20)
        t.ok(done(), 'the retention job logged what it deleted')
      }
    ],
    [
      'a server error, whose details are logged',
      async app => {
        app.store.close()
        t.equal((await api(app, { url: `/v1/surveys?team=${email}` })).statusCode, 500)
      }
    ]
  ]
  for (const [name, flow] of flows) {
    await t.test(name, async () => {
      await flow(app)
    })
  }

  t.ok(logs.lines.length > 50, `the flows were logged (${logs.lines.length} lines)`)
  t.ok(
    logs.lines.some(l => l.includes('"url":"/s/[redacted]"')),
    'respondent requests are logged, redacted'
  )
  t.ok(
    logs.lines.some(l => l.includes('request failed') && l.includes('"stack"')),
    'the server error is logged with its stack'
  )
  t.same(
    leaks(logs.lines, [token, email, encodeURIComponent(email), API_KEY, wrongKey, metricsToken]),
    [],
    'no line holds a token, a key or an address'
  )
  t.ok(printed.length > 5, `the CLI printed (${printed.length} lines)`)
  t.same(leaks(printed, [email, encodeURIComponent(email)]), [], 'no address in what the CLI printed')
})

t.test('a failed query reaches the log without its values', async t => {
  const app = await build(t)
  const email = 'kari.nordmann@example.com'
  const { db } = app.store
  const insert = async () => { await db.insert(tables(db).settings).values({ key: email, value: 'x' }) }
  await insert()
  const err: unknown = await insert().then(() => undefined, (e: unknown) => e)
  // drizzle's PostgreSQL session repeats the values in its message, PostgreSQL in its detail.
  if (TEST_STORE === 'postgres') t.match(err, { message: new RegExp(email), cause: { detail: new RegExp(email) } })
  const logged = JSON.stringify(serializeError(err))
  t.match(logged, /settings/, "the store's reason stays, for the operator")
  t.notMatch(logged, email, 'the values do not')
})

t.test('the leak check finds what it looks for', async t => {
  const secrets = ['Zq3xK9vLm2Rt8WpY4nBc7dFgHj']
  t.same(leaks(['{"url":"/s/[redacted]"}', '{"url":"/s/:token"}', '{"url":"/docs/static/x.js"}'], secrets), [])
  for (const line of [
    '{"url":"/s/abcdef"}',
    '{"url":"/R/abcdef"}',
    '{"msg":"bob@example.org"}',
    '{"k":"Zq3xK9vLm2Rt8WpY4nBc7dFgHj"}'
  ]) {
    t.same(leaks([line], secrets), [line], line)
  }
})

t.test('redactUrl keeps what helps an operator and drops tokens and addresses', async t => {
  t.equal(redactUrl('/v1/surveys/srv_abc'), '/v1/surveys/srv_abc', 'ids are not secrets')
  t.equal(redactUrl('/v1/surveys?team=it&limit=20'), '/v1/surveys?team=[redacted]&limit=[redacted]')
  t.equal(redactUrl('/s/tok123?score=9'), '/s/[redacted]?score=[redacted]')
  t.equal(redactUrl('/s/tok123?score=9', '/s/:token'), '/s/:token')
  t.equal(redactUrl('/%73/tok123', '/s/:token'), '/s/:token', 'a matched respondent route logs its pattern')
  t.equal(redactUrl('/%73/tok123'), '/s/[redacted]', 'shown decoded')
  t.equal(redactUrl('/r/tok123/csv'), '/r/[redacted]/csv')
  t.equal(redactUrl('/x/bob@example.org/y'), '/x/[redacted]/y')
  t.equal(redactUrl('/x?bob@example.org'), '/x?[redacted]=[redacted]')
  t.ok(isTokenRequest('/s/x'))
  t.ok(isTokenRequest('/%73/x', '/s/:token'))
  t.notOk(isTokenRequest('/v1/surveys', '/v1/surveys'))
})

t.test('property: no token or address survives redactUrl', async t => {
  const token = fc.stringMatching(/^[A-Za-z0-9_-]{16,64}$/)
  const email = fc.emailAddress().filter(e => e.length >= 8)
  const tokenPrefix = fc.constantFrom('/s/', '/r/', '/S/', '//s/', '/s//', '/%73/', '/%72/', '/R//')
  const rest = fc.constantFrom('', '/', '/unsubscribe', '?score=3', '/csv?from=2026-01-01')
  const segment = fc.stringMatching(/^[a-z0-9_.-]{1,12}$/)
  fc.assert(
    fc.property(tokenPrefix, token, rest, (prefix, tok, suffix) => {
      return !redactUrl(`${prefix}${tok}${suffix}`).includes(tok)
    })
  )
  fc.assert(
    fc.property(
      fc.array(segment, { maxLength: 3 }),
      email,
      fc.boolean(),
      fc.boolean(),
      (segments, address, encode, inQuery) => {
        const shown = encode ? encodeURIComponent(address) : address
        const url = inQuery ? `/${segments.join('/')}?x=${shown}&${shown}` : `/${[...segments, shown].join('/')}`
        const out = redactUrl(url)
        return !out.includes(address) && !out.includes(shown) && !out.includes('@')
      }
    )
  )
  t.pass('held for every generated URL')
})
