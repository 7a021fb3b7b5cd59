import { sql } from 'drizzle-orm'
import t from 'tap'
import { createApiKey } from '../src/auth/keys.js'
import { hashToken } from '../src/ids.js'
import { api, build } from './helpers/build.js'
import { createSurvey } from './helpers/seed.js'
import { get as dbGet, run as dbRun } from '../src/db/dialect.js'

// Who may call what (docs/access.md): every operation of the app's own OpenAPI document against
// every role. An operation missing from EXPECTED fails here, and a /v1 route without a rule stops
// the app from starting, so no route is added without deciding who may call it.

type Who = 'admin' | 'integration' | 'reader'
const ALL: Who[] = ['admin', 'integration', 'reader']
const INTEGRATION: Who[] = ['admin', 'integration']
const READER: Who[] = ['admin', 'reader']
const ADMIN: Who[] = ['admin']

/** Who may call each operation; 'public': no key at all; 'own': the route checks its own credential. */
const EXPECTED: Record<string, Who[] | 'public' | 'own'> = {
  'GET /metrics': 'own',
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'GET /r/{token}': 'public',
  'GET /s/{token}': 'public',
  'POST /s/{token}': 'public',
  'GET /s/{token}/thanks': 'public',
  'GET /s/{token}/unsubscribe': 'public',
  'POST /s/{token}/unsubscribe': 'public',
  'POST /v1/surveys': ADMIN,
  'GET /v1/surveys': ALL,
  'GET /v1/surveys/{id}': ALL,
  'PATCH /v1/surveys/{id}': ADMIN,
  'POST /v1/surveys/{id}/invitations': INTEGRATION,
  'POST /v1/surveys/{id}/invitations/batch': INTEGRATION,
  'POST /v1/events/case-closed': INTEGRATION,
  'POST /v1/events/case-reopened': INTEGRATION,
  // Collector settings (how fast a place may answer) are the padding defense's: admins only.
  'POST /v1/surveys/{id}/collectors': ADMIN,
  'GET /v1/surveys/{id}/collectors': INTEGRATION,
  'GET /v1/collectors/{id}': INTEGRATION,
  'PATCH /v1/collectors/{id}': ADMIN,
  'GET /v1/collectors/{id}/qr': INTEGRATION,
  'GET /v1/collectors/{id}/poster': INTEGRATION,
  'GET /v1/surveys/{id}/results': READER,
  'GET /v1/results': READER,
  'GET /v1/surveys/{id}/responses.csv': READER,
  'GET /v1/surveys/{id}/report': READER,
  'POST /v1/surveys/{id}/share-links': READER,
  'GET /v1/surveys/{id}/share-links': READER,
  'DELETE /v1/share-links/{id}': READER,
  'GET /v1/audit': ADMIN,
  // Targets and outbound events: admins only. Ticketing hooks check their own signatures.
  'PUT /v1/surveys/{id}/target': ADMIN,
  'DELETE /v1/surveys/{id}/target': ADMIN,
  'PUT /v1/teams/{team}/targets/{metric}': ADMIN,
  'DELETE /v1/teams/{team}/targets/{metric}': ADMIN,
  'PUT /v1/surveys/{id}/items/{key}/target': ADMIN,
  'DELETE /v1/surveys/{id}/items/{key}/target': ADMIN,
  'PUT /v1/teams/{team}/items/{key}/target': ADMIN,
  'DELETE /v1/teams/{team}/items/{key}/target': ADMIN,
  'POST /v1/webhooks': ADMIN,
  'GET /v1/webhooks': ADMIN,
  'GET /v1/webhooks/{id}': ADMIN,
  'DELETE /v1/webhooks/{id}': ADMIN,
  'POST /v1/webhooks/{id}/test': ADMIN,
  'POST /v1/webhooks/{id}/enable': ADMIN,
  'GET /v1/webhooks/{id}/deliveries': ADMIN,
  'POST /v1/hooks/zammad': 'own',
  'POST /v1/hooks/glpi': 'own',
  'POST /v1/hooks/znuny': 'own',
  'POST /v1/hooks/jira': 'own'
}

async function keys (app: Awaited<ReturnType<typeof build>>) {
  const now = new Date()
  return {
    admin: (await createApiKey(app.store.db, { name: 'ops', role: 'admin', teams: null }, now)).key,
    integration: (await createApiKey(app.store.db, { name: 'helpdesk', role: 'integration', teams: null }, now)).key,
    reader: (await createApiKey(app.store.db, { name: 'it lead', role: 'reader', teams: ['it'] }, now)).key
  }
}

t.test('every operation × every role answers as the access table says', async t => {
  const app = await build(t)
  const key = await keys(app)
  const survey = await createSurvey(app, { team: 'it', kind: 'self_service' })
  const collector = (
    await api(app, { method: 'POST', url: `/v1/surveys/${survey.id}/collectors`, payload: { label: 'Desk' } })
  ).json()
  const link = (await api(app, { method: 'POST', url: `/v1/surveys/${survey.id}/share-links`, payload: {} })).json()

  const doc = app.swagger() as { paths: Record<string, Record<string, unknown>> }
  const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map(m => `${m.toUpperCase()} ${path}`)
  )
  t.ok(operations.length >= 30, `${operations.length} operations`)
  t.same(
    operations.filter(op => EXPECTED[op] === undefined),
    [],
    'every operation is in the access table'
  )
  t.same(
    Object.keys(EXPECTED).filter(op => !operations.includes(op)),
    [],
    'the table names no operation that is gone'
  )

  for (const op of operations) {
    const expected = EXPECTED[op]
    const [method, path] = op.split(' ') as [string, string]
    const rule = app.accessRules.get(`${method} ${path.replace(/\{(\w+)\}/g, ':$1')}`)
    t.ok(rule !== undefined, `${op} declares an access rule`)
    if (expected === undefined || typeof expected === 'string') {
      t.equal(rule, expected, `${op} is ${String(expected)}`)
      continue
    }
    const id = path.startsWith('/v1/collectors')
      ? collector.id
      : path.startsWith('/v1/share-links')
        ? link.id
        : survey.id
    const url = path.replace('{id}', id) + (path === '/v1/results' ? '?team=it&metric=csat' : '')
    const payload = method === 'GET' || method === 'DELETE' ? undefined : {}
    const anonymous = await app.inject({ method: method as 'GET', url, payload })
    t.equal(anonymous.statusCode, 401, `${op} without a key`)
    for (const who of ALL) {
      const res = await app.inject({
        method: method as 'GET',
        url,
        payload,
        headers: { authorization: `Bearer ${key[who]}` }
      })
      if (expected.includes(who)) {
        t.notOk(
          [401, 403].includes(res.statusCode),
          `${op} as ${who}: allowed (${res.statusCode} ${res.body.slice(0, 120)})`
        )
      } else {
        t.equal(res.statusCode, 403, `${op} as ${who}: refused`)
        t.match(res.headers['content-type'], /^application\/problem\+json/)
        t.match(res.json(), {
          code: 'forbidden',
          detail: new RegExp(`role ${who}; .* needs the role ${expected.join(' or ')}`)
        })
      }
    }
  }
})

t.test('a reader key sees only its teams: lists filtered, other ids 404 as if unknown, other teams 403', async t => {
  const app = await build(t)
  const now = new Date()
  const reader = (await createApiKey(app.store.db, { name: 'it lead', role: 'reader', teams: ['it'] }, now)).key
  const both = (await createApiKey(app.store.db, { name: 'it and hr', role: 'reader', teams: ['it', 'hr'] }, now)).key
  const as = (key: string) => ({ authorization: `Bearer ${key}` })
  const it = await createSurvey(app, { team: 'it', name: 'IT desk' })
  const hr = await createSurvey(app, { team: 'hr', name: 'HR desk' })
  const hrLink = (await api(app, { method: 'POST', url: `/v1/surveys/${hr.id}/share-links`, payload: {} })).json()

  const listed = (key: string, query = '') =>
    app
      .inject({ url: `/v1/surveys${query}`, headers: as(key) })
      .then(r => r.json().items.map((s: { id: string }) => s.id))
  t.same(await listed(reader), [it.id], 'the list holds only its team')
  t.same(await listed(reader, '?team=hr'), [], 'asking for another team finds nothing')
  t.same((await listed(both)).sort(), [it.id, hr.id].sort(), 'a key of two teams sees both')

  const unknown = await app.inject({ url: '/v1/surveys/srv_unknown/results', headers: as(reader) })
  t.equal(unknown.statusCode, 404)
  const hidden = await app.inject({ url: `/v1/surveys/${hr.id}/results`, headers: as(reader) })
  t.equal(hidden.statusCode, 404)
  t.equal(
    hidden.json().detail.replace(hr.id, 'X'),
    unknown.json().detail.replace('srv_unknown', 'X'),
    'the same answer as an unknown id'
  )

  const calls: Array<[string, string, unknown?]> = [
    ['GET', '/v1/surveys/{id}'],
    ['GET', '/v1/surveys/{id}/results'],
    ['GET', '/v1/surveys/{id}/report'],
    ['GET', '/v1/surveys/{id}/responses.csv'],
    ['GET', '/v1/surveys/{id}/share-links'],
    ['POST', '/v1/surveys/{id}/share-links', {}]
  ]
  for (const [method, path, payload] of calls) {
    const mine = await app.inject({
      method: method as 'GET',
      url: path.replace('{id}', it.id),
      payload: payload as object,
      headers: as(reader)
    })
    t.ok(mine.statusCode < 300, `${method} ${path} of its team: ${mine.statusCode}`)
    const other = await app.inject({
      method: method as 'GET',
      url: path.replace('{id}', hr.id),
      payload: payload as object,
      headers: as(reader)
    })
    t.equal(other.statusCode, 404, `${method} ${path} of another team: 404`)
    t.notMatch(other.body, /HR desk/)
    t.equal(
      (
        await app.inject({
          method: method as 'GET',
          url: path.replace('{id}', hr.id),
          payload: payload as object,
          headers: as(both)
        })
      ).statusCode < 300,
      true,
      `${method} ${path} with a key of both teams`
    )
  }
  t.equal(
    (await api(app, { url: `/v1/surveys/${hr.id}/share-links` })).json().items.length,
    2,
    "only the admin's and the two-team key's links exist on hr"
  )

  const revoke = await app.inject({ method: 'DELETE', url: `/v1/share-links/${hrLink.id}`, headers: as(reader) })
  t.equal(revoke.statusCode, 404, "another team's share link cannot be revoked")
  t.match(revoke.json().detail, `share link ${hrLink.id} not found`)
  t.equal((await app.inject({ url: hrLink.url.replace(app.config.publicUrl, '') })).statusCode, 200, 'and still opens')

  const team = (key: string, name: string) =>
    app.inject({ url: `/v1/results?team=${name}&metric=nps`, headers: as(key) })
  t.equal((await team(reader, 'it')).statusCode, 200)
  const refused = await team(reader, 'hr')
  t.equal(refused.statusCode, 403)
  t.match(refused.json(), { code: 'forbidden', detail: /may read the teams it; it does not name team hr/ })
  t.equal((await team(both, 'hr')).statusCode, 200)
})

t.test('an integration key sends but reads no results; a revoked reader key is refused', async t => {
  const app = await build(t)
  const now = new Date()
  const integration = await createApiKey(app.store.db, { name: 'helpdesk', role: 'integration', teams: null }, now)
  const survey = await createSurvey(app, { team: 'it', kind: 'post_case' })
  const as = { authorization: `Bearer ${integration.key}` }
  const invited = await app.inject({
    method: 'POST',
    url: '/v1/events/case-closed',
    headers: as,
    payload: { case_ref: 'HD-1', email: 'a@example.com', team: 'it' }
  })
  t.equal(invited.statusCode, 201, 'it sends invitations')
  const results = await app.inject({ url: `/v1/surveys/${survey.id}/results`, headers: as })
  t.equal(results.statusCode, 403)
  t.match(
    results.json().detail,
    'this API key has the role integration; GET /v1/surveys/:id/results needs the role admin or reader'
  )
  const collector = await app.inject({
    method: 'POST',
    url: `/v1/surveys/${survey.id}/collectors`,
    headers: as,
    payload: { label: 'Desk', cooldown_seconds: 0 }
  })
  t.equal(collector.statusCode, 403, 'it cannot make a collector (who may pad: docs/anonymity.md)')
  t.same((await api(app, { url: `/v1/surveys/${survey.id}/collectors` })).json().items, [], 'and none was made')

  const reader = await createApiKey(app.store.db, { name: 'it lead', role: 'reader', teams: ['it'] }, now)
  t.equal(
    (await app.inject({ url: `/v1/surveys/${survey.id}/results`, headers: { authorization: `Bearer ${reader.key}` } }))
      .statusCode,
    200
  )
  await dbRun(app.store.db, sql`UPDATE api_keys SET revoked_at = 1 WHERE id = ${reader.id}`)
  t.equal(
    (await app.inject({ url: `/v1/surveys/${survey.id}/results`, headers: { authorization: `Bearer ${reader.key}` } }))
      .statusCode,
    401
  )
})

t.test('keys stored before roles existed are admin keys', async t => {
  const app = await build(t)
  // A row as the earlier schema wrote it: no role, no teams.
  const key = 'puls_from-before-roles-0123456789'
  await dbRun(app.store.db,
    sql`INSERT INTO api_keys (id, name, key_hash, created_at) VALUES ('key_old', 'old', ${hashToken(key)}, 0)`
  )
  t.same(await dbGet(app.store.db, sql`SELECT role, teams FROM api_keys WHERE id = 'key_old'`), {
    role: 'admin',
    teams: null
  })
  const res = await app.inject({
    method: 'POST',
    url: '/v1/surveys',
    headers: { authorization: `Bearer ${key}` },
    payload: { name: 'S', kind: 'relationship', team: 'it' }
  })
  t.equal(res.statusCode, 201)
})
