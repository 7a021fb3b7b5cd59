import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import t from 'tap'
import { z } from 'zod'
import { clientKeyer, isPublicRoute } from '../src/plugins/rate-limit.js'
import { api, build } from './helpers/build.js'

type App = Awaited<ReturnType<typeof build>>
const get = (app: App, url: string, remoteAddress = '198.51.100.7') => app.inject({ url, remoteAddress })

// Test-only public routes: one with its own limit, one opting out, one with a friendly error
// page and a documented response, as the respondent pages (/s/…) will have.
const routes: FastifyPluginAsyncZod = async fastify => {
  fastify.get('/test/strict', { config: { rateLimit: { max: 1, timeWindow: 60_000 } } }, async () => ({ ok: true }))
  fastify.get('/test/open', { config: { rateLimit: false } }, async () => ({ ok: true }))
  fastify.get(
    '/s/test-probe/:token',
    {
      schema: {
        tags: ['test'],
        summary: 'probe',
        params: z.object({ token: z.string() }),
        response: { 200: z.object({ ok: z.boolean() }) }
      },
      config: {
        errorPage: (reply, problem) => reply.code(problem.status).type('text/html').send(`<p>${problem.title}</p>`)
      }
    },
    async () => ({ ok: true })
  )
}

t.test('which routes count as public is decided in one place', async t => {
  for (const url of ['/s/:token', '/r/:token', '/docs', '/docs/static/*', '/openapi.json']) {
    t.ok(isPublicRoute(url), url)
  }
  for (const url of ['/healthz', '/readyz', '/v1', '/v1/surveys', '/v1/surveys/:id']) t.notOk(isPublicRoute(url), url)
})

t.test('a public route answers 429 problem+json past the limit', async t => {
  const app = await build(t, { env: { RATE_LIMIT_MAX: '3' } })
  for (let i = 1; i <= 3; i++) {
    const res = await get(app, '/openapi.json')
    t.equal(res.statusCode, 200)
    t.equal(res.headers['x-ratelimit-limit'], '3')
    t.equal(res.headers['x-ratelimit-remaining'], String(3 - i))
  }
  const res = await get(app, '/openapi.json')
  t.equal(res.statusCode, 429)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.match(res.json(), {
    status: 429,
    title: 'Too Many Requests',
    code: 'rate_limited',
    detail: /try again in 1 minute/
  })
  t.equal(res.headers['retry-after'], '60')
  t.equal(res.headers['x-content-type-options'], 'nosniff', 'security headers on a 429 too')

  t.equal((await get(app, '/openapi.json', '198.51.100.8')).statusCode, 200, 'another client is counted apart')
  t.equal((await get(app, '/docs/')).statusCode, 200, 'each route counts apart')
})

t.test('probes and /v1 are never limited', async t => {
  const app = await build(t, { env: { RATE_LIMIT_MAX: '2' } })
  for (let i = 0; i < 6; i++) {
    for (const res of [
      await get(app, '/healthz'),
      await get(app, '/readyz'),
      await api(app, { url: '/v1/surveys', remoteAddress: '198.51.100.7' })
    ]) {
      t.equal(res.statusCode, 200)
      t.notOk('x-ratelimit-limit' in res.headers)
    }
  }
})

t.test('the counter starts again after the window', async t => {
  const app = await build(t, { env: { RATE_LIMIT_MAX: '1', RATE_LIMIT_WINDOW_SECONDS: '1' } })
  t.equal((await get(app, '/openapi.json')).statusCode, 200)
  t.equal((await get(app, '/openapi.json')).statusCode, 429)
  await sleep(1100)
  t.equal((await get(app, '/openapi.json')).statusCode, 200)
})

t.test('RATE_LIMIT_MAX=0 turns the default limit off; a route may set its own or none', async t => {
  const app = await build(t, { env: { RATE_LIMIT_MAX: '0' }, routes })
  for (let i = 0; i < 5; i++) {
    const res = await get(app, '/openapi.json')
    t.equal(res.statusCode, 200)
    t.notOk('x-ratelimit-limit' in res.headers)
  }
  t.equal((await get(app, '/test/strict')).statusCode, 200)
  t.equal((await get(app, '/test/strict')).statusCode, 429, "the route's own limit still holds")

  const limited = await build(t, { env: { RATE_LIMIT_MAX: '1' }, routes })
  for (let i = 0; i < 3; i++) t.equal((await get(limited, '/test/open')).statusCode, 200, 'rateLimit: false opts out')
})

t.test('respondent pages answer a 429 as their friendly page, documented, and log no address', async t => {
  const lines: string[] = []
  const app = await build(t, {
    env: { RATE_LIMIT_MAX: '1' },
    routes,
    logger: { level: 'trace', stream: { write: (l: string) => lines.push(l) } }
  })
  const address = '203.0.113.42'
  t.equal((await get(app, '/s/test-probe/tok', address)).statusCode, 200)
  const page = await get(app, '/s/test-probe/tok', address)
  t.equal(page.statusCode, 429)
  t.match(page.headers['content-type'], /^text\/html/)
  t.equal(page.body, '<p>Too Many Requests</p>')
  const json = await app.inject({
    url: '/s/test-probe/tok',
    remoteAddress: address,
    headers: { accept: 'application/json' }
  })
  t.equal(json.statusCode, 429)
  t.equal(json.json().code, 'rate_limited')
  t.notMatch(json.body, address)

  t.ok(lines.length > 0, 'the log was captured')
  t.notOk(
    lines.some(l => l.includes(address)),
    'no log line holds the address'
  )
  t.notOk(
    lines.some(l => l.includes('/s/test-probe/tok')),
    'nor the token'
  )

  const doc = app.swagger() as { paths: Record<string, { get: { responses: Record<string, unknown> } }> }
  t.ok(doc.paths['/s/test-probe/{token}']?.get.responses['429'], 'a limited route documents its 429')
  t.notOk((doc.paths['/v1/surveys'] as any).get.responses['429'], '/v1 routes do not')
})

t.test('the limiter counts by a keyed hash, never by the address itself', async t => {
  const key = clientKeyer(Buffer.alloc(32, 1))
  const a = key({ ip: '203.0.113.42' })
  t.notMatch(a, '203.0.113', 'the key does not hold the address')
  t.equal(key({ ip: '203.0.113.42' }), a, 'stable within a process')
  t.not(key({ ip: '203.0.113.43' }), a, 'distinct per client')
  t.equal(key({ ip: '2001:db8:1:2::1' }), key({ ip: '2001:db8:1:2:ffff::9' }), 'an IPv6 /64 is one client')
  t.equal(key({ ip: '::ffff:203.0.113.42' }), a, 'an IPv4-mapped address is the IPv4 client')
  t.not(clientKeyer(Buffer.alloc(32, 2))({ ip: '203.0.113.42' }), a, 'another process key, another hash')
})
