import { readFileSync } from 'node:fs'
import t from 'tap'
import { generateOpenApi, openapiFile } from '../src/openapi.js'
import { api, build } from './helpers/build.js'

t.test('the committed openapi/openapi.json matches the routes', async t => {
  const generated = await generateOpenApi()
  const committed = readFileSync(openapiFile, 'utf8')
  t.ok(committed === generated, 'openapi/openapi.json is stale: run `npm run openapi` and commit it')
})

t.test('every operation has tags, a summary and a response schema per status', async t => {
  const doc = JSON.parse(await generateOpenApi())
  t.equal(doc.openapi, '3.1.0')
  const operations = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op }))
  )
  t.ok(operations.length >= 6)
  for (const { name, op } of operations) {
    t.ok(op.tags?.length > 0, `${name} has tags`)
    t.ok(typeof op.summary === 'string' && op.summary.length > 0, `${name} has a summary`)
    const statuses = Object.keys(op.responses ?? {})
    t.ok(
      statuses.some(s => s.startsWith('2')),
      `${name} documents its success`
    )
    // Redirects have no body, only a Location.
    for (const status of statuses.filter(s => !s.startsWith('3'))) {
      t.ok(op.responses[status].content, `${name} ${status} has a schema`)
    }
    if (name.includes(' /v1/hooks/')) {
      // Ticketing systems' hooks are authenticated by their own signatures (docs/integrations.md).
      t.same(op.security, [], `${name} needs no bearer key`)
      t.ok(statuses.includes('401'), `${name} documents 401`)
    } else if (name.includes(' /v1/')) {
      t.same(op.security, [{ bearer: [] }], `${name} needs a bearer key`)
      t.ok(statuses.includes('401'), `${name} documents 401`)
    }
  }
})

t.test('the document and the interactive docs are served', async t => {
  const app = await build(t)
  const doc = await app.inject({ url: '/openapi.json' })
  t.equal(doc.statusCode, 200)
  t.equal(doc.json().openapi, '3.1.0')
  t.ok(doc.json().paths['/v1/surveys'].post)
  const docs = await app.inject({ url: '/docs/' })
  t.equal(docs.statusCode, 200)
  t.match(docs.headers['content-type'], /text\/html/)
})

t.test('error responses are documented with the content type they are sent with', async t => {
  const doc = JSON.parse(await generateOpenApi())
  for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(methods)) {
      for (const [status, response] of Object.entries(op.responses as Record<string, any>)) {
        if (!/^4/.test(status)) continue
        const types = Object.keys(response.content ?? {})
        t.ok(
          types.includes('application/problem+json') && !types.includes('application/json'),
          `${method.toUpperCase()} ${path} ${status} is documented as application/problem+json (${types.join(', ')})`
        )
      }
    }
  }

  // And the server sends what the document says: an unknown survey, a missing key, a bad body.
  const app = await build(t)
  const sent = [
    await api(app, { url: '/v1/surveys/srv_unknown' }),
    await app.inject({ url: '/v1/surveys' }),
    await api(app, { method: 'POST', url: '/v1/surveys', payload: { name: '' } })
  ]
  t.same(
    sent.map(r => r.statusCode),
    [404, 401, 400]
  )
  for (const r of sent) t.match(r.headers['content-type'], /^application\/problem\+json/)
  t.same(Object.keys(doc.paths['/v1/surveys/{id}'].get.responses['404'].content), ['application/problem+json'])
})
