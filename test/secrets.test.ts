import type { LightMyRequestResponse } from 'fastify'
import t from 'tap'
import { createApiKey } from '../src/auth/keys.js'
import { API_KEY, build } from './helpers/build.js'

// No API key, secret or e-mail address ever reaches a log line or an error answer, whatever the
// request: good keys, near-miss keys, bad bodies that carry an address, and a server error.

const SECRET = 'hmac-secret-for-this-test-0123456789abcdef'
const ADDRESS = 'kari.nordmann@example.com'

t.test('keys, secrets and addresses stay out of logs and answers', async t => {
  const lines: string[] = []
  const app = await build(t, {
    env: { PULS_SECRET: SECRET },
    logger: { level: 'trace', stream: { write: (l: string) => lines.push(l) } }
  })
  const stored = (await createApiKey(app.store.db, 'helpdesk', new Date())).key
  const nearMiss = `${stored.slice(0, -1)}${stored.endsWith('A') ? 'B' : 'A'}`
  const answers: LightMyRequestResponse[] = []
  const send = async (
    key: string | undefined,
    opts: { method?: 'GET' | 'POST' | 'PATCH'; url?: string; payload?: object } = {}
  ) => {
    const res = await app.inject({
      method: opts.method ?? 'GET',
      url: opts.url ?? '/v1/surveys',
      payload: opts.payload,
      headers: key === undefined ? {} : { authorization: `Bearer ${key}` }
    })
    answers.push(res)
    return res
  }

  t.equal((await send(API_KEY)).statusCode, 200, 'the bootstrap key works')
  t.equal((await send(stored)).statusCode, 200, 'a stored key works')
  t.equal((await send(nearMiss)).statusCode, 401, 'a key one character off does not')
  t.equal((await send('k'.repeat(10_000))).statusCode, 401, 'a huge key is refused like any other')
  t.equal((await send('ключ-🙂-ключ-🙂-ключ')).statusCode, 401, 'so is a non-ASCII one')
  t.equal((await send(undefined, { url: `/v1/surveys?api_key=${stored}` })).statusCode, 401)

  const withAddress = [
    { name: ADDRESS, kind: ADDRESS, team: 'it' },
    { name: 'x', kind: 'post_case', team: 'it', email: ADDRESS },
    { name: 'x', kind: 'post_case', team: 'it', question: { en: 'ok', fr: ADDRESS } },
    { name: 'x', kind: 'post_case', team: 'it', link_ttl_days: ADDRESS, default_locale: ADDRESS }
  ]
  for (const payload of withAddress) {
    const res = await send(stored, { method: 'POST', url: '/v1/surveys', payload })
    t.equal(res.statusCode, 400, 'a bad body carrying an address is refused')
  }
  t.equal(
    (await send(stored, { method: 'PATCH', url: '/v1/surveys/srv_unknown', payload: { name: ADDRESS } })).statusCode,
    404
  )
  t.equal(
    (await send(stored, { url: `/v1/surveys?team=${encodeURIComponent(ADDRESS)}&limit=${ADDRESS}` })).statusCode,
    400,
    'a query is not logged either'
  )

  app.store.close()
  t.equal((await send(stored)).statusCode, 500, 'a server error, logged with its cause')

  const log = lines.join('')
  t.ok(
    // The closed store's own words: SQLite's connection, PostgreSQL's pool.
    log.includes('"statusCode":500') && /database connection is not open|Cannot use a pool after calling end/.test(log),
    'the log was captured, errors included'
  )
  const hmacSecret = app.secret.toString('utf8')
  for (const [what, value] of [
    ['bootstrap key', API_KEY],
    ['stored key', stored],
    ['near-miss key', nearMiss],
    ['HMAC secret', hmacSecret],
    ['e-mail address', ADDRESS]
  ] as const) {
    t.notOk(log.includes(value), `no log line holds the ${what}`)
    t.notOk(
      answers.some(a => a.body.includes(value) || JSON.stringify(a.headers).includes(value)),
      `no answer holds the ${what}`
    )
  }
  t.notOk(log.includes('uthorization'), 'request headers are not logged')
})

t.test('a generated HMAC secret stays out of the log too', async t => {
  const lines: string[] = []
  const app = await build(t, { logger: { level: 'trace', stream: { write: (l: string) => lines.push(l) } } })
  await app.inject({ url: '/healthz' })
  t.ok(app.secret.length >= 32)
  t.ok(lines.length > 0)
  t.notOk(lines.join('').includes(app.secret.toString('utf8')))
})
