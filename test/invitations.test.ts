import t from 'tap'
import { createApiKey } from '../src/auth/keys.js'
import { addOptOut } from '../src/invitations/repository.js'
import { recipientHash } from '../src/invitations/secrets.js'
import { api, build, testClock } from './helpers/build.js'
import { count, createSurvey, invite, rows, type App } from './helpers/puls.js'

// A duplicate shows the first invitation without its status: whether it was answered is nobody's business.
const withoutStatus = ({ status: _status, ...rest }: Record<string, unknown>) => rest

const invitationRows = (app: App) =>
  rows<{
    id: string
    status: string
    email: string | null
    token_hash: string | null
    delivered_on: string | null
    attributes: string | null
  }>(app, 'SELECT * FROM invitations ORDER BY created_at, id')

t.test('an e-mail invitation is stored queued, with its address until it ends', async t => {
  const clock = testClock('2026-03-02T09:00:00Z')
  const app = await build(t, { clock })
  const survey = await createSurvey(app)
  const res = await invite(app, survey.id, {
    channel: 'email',
    email: 'Kari.Nordmann@example.com',
    locale: 'nb',
    case_ref: 'INC-1',
    attributes: { agent: 'ola', category: 'vpn' }
  })
  t.equal(res.statusCode, 201)
  const body = res.json()
  t.match(body, {
    status: 'queued',
    invitation: {
      survey_id: survey.id,
      channel: 'email',
      status: 'queued',
      locale: 'nb',
      case_ref: 'INC-1',
      created_at: '2026-03-02T09:00:00.000Z',
      expires_at: '2026-03-09T09:00:00.000Z',
      delivered_on: null
    }
  })
  t.match(body.invitation.id, /^inv_[A-Za-z0-9_-]{22}$/)
  t.notOk('url' in body, 'a mailed link is never shown to the caller')
  const [row] = await invitationRows(app)
  t.equal(row!.email, 'Kari.Nordmann@example.com', 'kept to send and remind')
  t.match(row!.token_hash, /^[0-9a-f]{64}$/, 'only the hash of the token')
  t.same(JSON.parse(row!.attributes!), { agent: 'ola', category: 'vpn' })
  t.equal(row!.delivered_on, null, 'delivered when the mail goes out, not before')
})

t.test('a link invitation answers its URL once, is delivered today, and keeps no address', async t => {
  const app = await build(t, {
    clock: testClock('2026-03-02T23:30:00Z'),
    env: { PUBLIC_URL: 'https://puls.example.com' }
  })
  const survey = await createSurvey(app)
  const res = await invite(
    app,
    survey.id,
    { channel: 'link', email: 'per@example.com', case_ref: 'INC-2' },
    { 'idempotency-key': 'k-link' }
  )
  t.equal(res.statusCode, 201)
  const body = res.json()
  t.match(body, { status: 'sent', invitation: { status: 'sent', delivered_on: '2026-03-02' } })
  t.match(body.url, /^https:\/\/puls\.example\.com\/s\/[A-Za-z0-9_-]{43}$/, '256-bit token, base64url')
  const token = body.url.split('/s/')[1]
  const [row] = await invitationRows(app)
  t.equal(row!.email, null, 'Puls does not mail a link, so it keeps no address')
  t.not(row!.token_hash, token)
  t.notMatch(JSON.stringify(await rows(app, 'SELECT * FROM invitations')), token, 'the token itself is stored nowhere')
  t.notMatch(JSON.stringify(await rows(app, 'SELECT * FROM idempotency_keys')), token)

  const replay = await invite(
    app,
    survey.id,
    { channel: 'link', email: 'per@example.com', case_ref: 'INC-2' },
    { 'idempotency-key': 'k-link' }
  )
  t.equal(replay.statusCode, 201)
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.same(replay.json(), { status: 'sent', invitation: body.invitation }, 'the same answer, without the URL')
  const again = await invite(app, survey.id, { channel: 'link', case_ref: 'INC-2' })
  t.equal(again.statusCode, 200)
  t.same(
    again.json(),
    { status: 'duplicate', invitation: withoutStatus(body.invitation) },
    'same case_ref: the first invitation, no URL'
  )
  t.equal(await count(app, 'invitations'), 1)
})

t.test('Idempotency-Key: a retry changes nothing; the key with another request is refused', async t => {
  const app = await build(t)
  const survey = await createSurvey(app)
  const payload = { email: 'a@example.com', attributes: { agent: 'x' } }
  const first = await invite(app, survey.id, payload, { 'idempotency-key': 'req-1' })
  const second = await invite(app, survey.id, payload, { 'idempotency-key': 'req-1' })
  t.equal(first.statusCode, 201)
  t.equal(second.statusCode, 201)
  t.same(second.json(), first.json())
  t.equal(first.headers['idempotent-replayed'], undefined)
  t.equal(second.headers['idempotent-replayed'], 'true')
  t.equal(await count(app, 'invitations'), 1, 'no second invitation, so no second mail')

  const other = await invite(app, survey.id, { ...payload, email: 'b@example.com' }, { 'idempotency-key': 'req-1' })
  t.equal(other.statusCode, 422)
  t.match(other.json(), { code: 'idempotency_key_reused', errors: [{ path: 'headers.idempotency-key' }] })
  t.equal(await count(app, 'invitations'), 1)
  t.notMatch(
    JSON.stringify(await rows(app, 'SELECT * FROM idempotency_keys')),
    /req-1|example\.com/,
    'key and request kept only as HMACs'
  )
})

t.test('Idempotency-Key is remembered per API key: two integrations with the same keys never meet', async t => {
  const app = await build(t)
  const survey = await createSurvey(app)
  const helpdesk = (await createApiKey(app.store.db, 'helpdesk', new Date())).key
  const hr = (await createApiKey(app.store.db, 'hr', new Date())).key
  const as = (key: string) => ({ authorization: `Bearer ${key}`, 'idempotency-key': 'ticket-42' })
  const first = await invite(app, survey.id, { email: 'a@example.com', case_ref: 'HD-42' }, as(helpdesk))
  const other = await invite(app, survey.id, { email: 'b@example.com', case_ref: 'HR-42' }, as(hr))
  t.equal(first.statusCode, 201)
  t.equal(other.statusCode, 201, "not refused as a reuse of the help desk's key")
  t.equal(other.headers['idempotent-replayed'], undefined, "and not answered with the help desk's result")
  t.not(other.json().invitation.id, first.json().invitation.id)
  const retry = await invite(app, survey.id, { email: 'b@example.com', case_ref: 'HR-42' }, as(hr))
  t.equal(retry.headers['idempotent-replayed'], 'true', 'a retry with the same API key is still a replay')
  t.same(retry.json(), other.json())
  t.equal(await count(app, 'invitations'), 2)
})

t.test('throttle: one invitation per person within throttle_days, judged by the keyed hash', async t => {
  const clock = testClock('2026-03-02T09:00:00Z')
  const app = await build(t, { clock })
  const survey = await createSurvey(app, { throttle_days: 14 })
  t.equal((await invite(app, survey.id, { email: 'kim@example.com', case_ref: 'A' })).json().status, 'queued')
  clock.advanceDays(13)
  const throttled = await invite(app, survey.id, { email: 'KIM@Example.com', case_ref: 'B' })
  t.equal(throttled.statusCode, 201)
  t.match(throttled.json(), { status: 'throttled', invitation: { status: 'throttled' } })
  const row = (await invitationRows(app)).find(r => r.id === throttled.json().invitation.id)!
  t.same([row.token_hash, row.email, row.attributes], [null, null, null], 'never deliverable: no token, no address')
  t.same(
    (await invite(app, survey.id, { email: 'kim@example.com', case_ref: 'B' })).json().status,
    'duplicate',
    'a retry answers the same invitation'
  )
  t.equal(
    (await invite(app, survey.id, { email: 'other@example.com', case_ref: 'C' })).json().status,
    'queued',
    'other people are not held back'
  )
  clock.advanceDays(2)
  t.equal(
    (await invite(app, survey.id, { email: 'kim@example.com', case_ref: 'D' })).json().status,
    'queued',
    'after 14 days from the last delivered one'
  )
  const other = await createSurvey(app, { team: 'hr' })
  t.equal(
    (await invite(app, other.id, { email: 'kim@example.com' })).json().status,
    'queued',
    'the throttle is per survey'
  )
})

t.test('opt-out: checked by the keyed hash of the address', async t => {
  const app = await build(t)
  const survey = await createSurvey(app)
  await addOptOut(app.store.db, recipientHash(app.secret, 'noreply.please@example.com'), '2026-03-01')
  const res = await invite(app, survey.id, { email: 'Noreply.Please@example.com', case_ref: 'X' })
  t.equal(res.statusCode, 201)
  t.match(res.json(), { status: 'opted_out', invitation: { status: 'opted_out' } })
  t.equal((await invitationRows(app))[0]!.email, null)
  t.notMatch(JSON.stringify(await rows(app, 'SELECT * FROM opt_outs')), /example/, 'the opt-out list holds no address')
})

t.test('relationship surveys ask each person once', async t => {
  const app = await build(t)
  const survey = await createSurvey(app, { kind: 'relationship', team: 'payroll' })
  const first = (await invite(app, survey.id, { email: 'lena@example.com' })).json()
  const second = await invite(app, survey.id, { email: 'LENA@example.com' })
  t.equal(second.statusCode, 200)
  t.same(second.json(), { status: 'duplicate', invitation: withoutStatus(first.invitation) })
})

t.test('batch: up to 10,000 in one transaction, with counts per status', async t => {
  const app = await build(t)
  const survey = await createSurvey(app, { kind: 'relationship', team: 'all' })
  await addOptOut(app.store.db, recipientHash(app.secret, 'out@example.com'), '2026-03-01')
  const invitations = [
    ...Array.from({ length: 9_996 }, (_, i) => ({
      email: `person${i}@example.com`,
      attributes: { site: i % 2 === 0 ? 'oslo' : 'berlin' }
    })),
    { email: 'PERSON1@example.com' },
    { email: 'out@example.com' },
    { channel: 'link' },
    { channel: 'link', locale: 'de' }
  ]
  const res = await api(app, {
    method: 'POST',
    url: `/v1/surveys/${survey.id}/invitations/batch`,
    payload: { invitations },
    headers: { 'idempotency-key': 'batch-1' }
  })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.same(body.counts, { queued: 9_996, sent: 2, throttled: 0, opted_out: 1, duplicate: 1 })
  t.equal(body.items.length, 10_000)
  t.equal(body.items[9_996].status, 'duplicate')
  t.equal(body.items[9_996].id, body.items[1].id, 'the duplicate names the first invitation')
  t.match(body.items[9_998].url, /\/s\/[A-Za-z0-9_-]{43}$/)
  t.equal(await count(app, 'invitations'), 9_999)

  const replay = await api(app, {
    method: 'POST',
    url: `/v1/surveys/${survey.id}/invitations/batch`,
    payload: { invitations },
    headers: { 'idempotency-key': 'batch-1' }
  })
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.same(replay.json().counts, body.counts)
  t.notOk(
    replay.json().items.some((i: { url?: string }) => i.url !== undefined),
    'URLs are shown once'
  )
  t.equal(await count(app, 'invitations'), 9_999)
})

t.test('batch: one bad item, or too many, and nothing is stored', async t => {
  const app = await build(t)
  const survey = await createSurvey(app, { kind: 'relationship', team: 'all' })
  const batch = (payload: unknown) =>
    api(app, { method: 'POST', url: `/v1/surveys/${survey.id}/invitations/batch`, payload: payload as object })
  const tooMany = await batch({
    invitations: Array.from({ length: 10_001 }, (_, i) => ({ email: `p${i}@example.com` }))
  })
  t.equal(tooMany.statusCode, 400)
  t.match(tooMany.headers['content-type'], /^application\/problem\+json/)
  t.match(tooMany.json(), { errors: [{ path: 'body.invitations', message: /at most 10000/ }] })
  const oneBad = await batch({
    invitations: [{ email: 'ok@example.com' }, { email: 'ok2@example.com' }, { email: 'not-an-address' }]
  })
  t.equal(oneBad.statusCode, 400)
  t.match(oneBad.json(), { errors: [{ path: 'body.invitations[2].email' }] })
  const empty = await batch({ invitations: [] })
  t.equal(empty.statusCode, 400)
  const huge = await batch({
    invitations: [{ email: 'a@example.com', attributes: { note: 'x'.repeat(17 * 1024 * 1024) } }]
  })
  t.equal(huge.statusCode, 413)
  t.equal(await count(app, 'invitations'), 0)
})

t.test('bad input on the invitation route is a problem naming the field, and changes nothing', async t => {
  const app = await build(t)
  const survey = await createSurvey(app)
  const cases: Array<[unknown, string[]]> = [
    [{}, ['body.email']],
    [{ channel: 'email' }, ['body.email']],
    [{ channel: 'fax', email: 'a@example.com' }, ['body.channel']],
    [{ email: 'nobody' }, ['body.email']],
    [{ email: 42 }, ['body.email']],
    [{ email: 'a@example.com', locale: 'fr' }, ['body.locale']],
    [{ email: 'a@example.com', case_ref: '' }, ['body.case_ref']],
    [{ email: 'a@example.com', case_ref: 7 }, ['body.case_ref']],
    [{ email: 'a@example.com', attributes: { team: 5 } }, ['body.attributes.team']],
    [{ email: 'a@example.com', attributes: ['it'] }, ['body.attributes']],
    [{ email: 'a@example.com', attributes: { 'bad key!': 'x' } }, ['body.attributes.bad key!']],
    [{ email: 'a@example.com', name: 'x' }, ['body.name']]
  ]
  for (const [payload, paths] of cases) {
    const res = await invite(app, survey.id, payload as object)
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.same(
      res.json().errors.map((e: { path: string }) => e.path),
      paths,
      JSON.stringify(payload)
    )
  }
  const badKey = await invite(app, survey.id, { email: 'a@example.com' }, { 'idempotency-key': 'k'.repeat(300) })
  t.equal(badKey.statusCode, 400)
  t.match(badKey.json(), { errors: [{ path: 'headers.idempotency-key' }] })

  const unknown = await invite(app, 'srv_nope', { email: 'a@example.com' })
  t.equal(unknown.statusCode, 404)
  t.match(unknown.json(), { code: 'not_found', detail: 'survey srv_nope not found' })
  const noKey = await app.inject({
    method: 'POST',
    url: `/v1/surveys/${survey.id}/invitations`,
    payload: { email: 'a@example.com' }
  })
  t.equal(noKey.statusCode, 401)

  await api(app, { method: 'PATCH', url: `/v1/surveys/${survey.id}`, payload: { status: 'closed' } })
  const closed = await invite(app, survey.id, { email: 'a@example.com' })
  t.equal(closed.statusCode, 409)
  t.match(closed.json(), { code: 'survey_closed' })
  const closedBatch = await api(app, {
    method: 'POST',
    url: `/v1/surveys/${survey.id}/invitations/batch`,
    payload: { invitations: [{ email: 'a@example.com' }] }
  })
  t.equal(closedBatch.statusCode, 409)
  t.equal(await count(app, 'invitations'), 0)
  t.equal(await count(app, 'idempotency_keys'), 0, 'a refused request is not remembered as done')
})
