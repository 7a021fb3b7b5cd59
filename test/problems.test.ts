import t from 'tap'
import { api, build } from './helpers/build.js'

t.test('an unknown route is a 404 problem', async t => {
  const app = await build(t)
  const res = await app.inject({ url: '/nope' })
  t.equal(res.statusCode, 404)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.match(res.json(), { status: 404, title: 'Not Found', code: 'route_not_found' })
})

t.test('a 5xx hides its cause behind the request id, which the log keeps', async t => {
  const lines: string[] = []
  const app = await build(t, { logger: { level: 'error', stream: { write: (l: string) => lines.push(l) } } })
  // A real fault: the database goes away under a running service.
  app.store.close()
  const res = await api(app, { url: '/v1/surveys' })
  t.equal(res.statusCode, 500)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  const body = res.json()
  t.equal(body.request_id, res.headers['x-request-id'])
  t.match(body, { status: 500, code: 'internal_error', detail: new RegExp(body.request_id) })
  t.notMatch(res.body, /database|sqlite|connection|stack/i, 'no internals in the body')
  const logged = lines.map(l => JSON.parse(l)).find(l => l.reqId === body.request_id)
  t.ok(logged, 'the error is logged under the same request id')
  // The closed store's own words: SQLite's connection, or (on PostgreSQL) the pool, under the failed query.
  t.match(JSON.stringify(logged.err), /database connection is not open|Cannot use a pool after calling end/)
})

t.test('oversized bodies are refused with 413', async t => {
  const app = await build(t)
  const res = await api(app, {
    method: 'POST',
    url: '/v1/surveys',
    payload: { name: 'x'.repeat(2 * 1024 * 1024), kind: 'post_case', team: 'it' }
  })
  t.equal(res.statusCode, 413)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
})

t.test('URLs the router cannot read are problems too, and are not echoed', async t => {
  const app = await build(t)
  for (const [url, status] of [
    ['/v1/surveys/%E0%A4%A', 400],
    ['/s/secret-token-abc%', 400],
    [`/v1/surveys/${'x'.repeat(200)}`, 414]
  ] as const) {
    const res = await api(app, { url })
    t.equal(res.statusCode, status, url.slice(0, 30))
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.match(res.json(), { status, title: String, detail: String, code: /^fst_err_/ })
    t.notMatch(res.body, /secret-token|xxxx|%E0/, 'the URL is not quoted back')
  }
})
