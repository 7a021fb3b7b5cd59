import t from 'tap'
import { api, build, testClock } from './helpers/build.js'
import { count, createSurvey, rows, submitForm, type App } from './helpers/puls.js'

const closed = (app: App, payload: object, headers: Record<string, string> = {}) =>
  api(app, { method: 'POST', url: '/v1/events/case-closed', payload, headers })
const reopened = (app: App, payload: object) => api(app, { method: 'POST', url: '/v1/events/case-reopened', payload })
const event = {
  case_ref: 'INC-1001',
  email: 'requester@example.com',
  team: 'it',
  agent: 'ola',
  category: 'vpn',
  locale: 'de'
}

t.test("case-closed invites the requester to the team's active post_case survey, once", async t => {
  const clock = testClock()
  const app = await build(t, { clock })
  await createSurvey(app, { team: 'hr' })
  await createSurvey(app, { team: 'it', kind: 'relationship' })
  const old = await createSurvey(app, { team: 'it', name: 'old' })
  clock.advanceDays(1)
  const current = await createSurvey(app, { team: 'it', name: 'current' })

  const res = await closed(app, { ...event, attributes: { site: 'oslo', agent: 'overridden' } })
  t.equal(res.statusCode, 201)
  t.match(res.json(), {
    status: 'queued',
    invitation: { survey_id: current.id, channel: 'email', case_ref: 'INC-1001', locale: 'de' }
  })
  t.not(res.json().invitation.survey_id, old.id, 'the newest active one')
  const [row] = await rows<{ attributes: string }>(app, 'SELECT attributes FROM invitations')
  t.same(JSON.parse(row!.attributes), { site: 'oslo', agent: 'ola', category: 'vpn', team: 'it' })

  const retry = await closed(app, event)
  t.equal(retry.statusCode, 200)
  const { status: _status, ...first } = res.json().invitation
  t.same(retry.json(), { status: 'duplicate', invitation: first }, 'a retry sends nothing new')
  const keyed = await closed(app, { ...event, case_ref: 'INC-1002' }, { 'idempotency-key': 'evt-1' })
  const keyedAgain = await closed(app, { ...event, case_ref: 'INC-1002' }, { 'idempotency-key': 'evt-1' })
  t.same(keyedAgain.json(), keyed.json())
  t.equal(keyedAgain.headers['idempotent-replayed'], 'true')
  t.equal(await count(app, 'invitations'), 2)
})

t.test('case-closed without an active post_case survey is a 404 problem', async t => {
  const app = await build(t)
  const s = await createSurvey(app, { team: 'facilities' })
  await api(app, { method: 'PATCH', url: `/v1/surveys/${s.id}`, payload: { status: 'closed' } })
  for (const team of ['facilities', 'nobody']) {
    const res = await closed(app, { ...event, team })
    t.equal(res.statusCode, 404)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.match(res.json(), { code: 'no_active_survey', detail: new RegExp(`team ${team} has no active post_case survey`) })
  }
  t.equal(await count(app, 'invitations'), 0)
})

t.test('case-reopened cancels the unanswered invitation; closing again arms it anew', async t => {
  const clock = testClock()
  const app = await build(t, { clock })
  const survey = await createSurvey(app, { team: 'it' })
  const first = (await closed(app, event)).json()
  // Hand the link out as well, to see it stop working.
  const link = (
    await api(app, {
      method: 'POST',
      url: `/v1/surveys/${survey.id}/invitations`,
      payload: { channel: 'link', case_ref: 'INC-2002' }
    })
  ).json()
  const token = link.url.split('/s/')[1]

  const res = await reopened(app, { case_ref: 'INC-2002', team: 'it' })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { cancelled: 1, invitations: [{ id: link.invitation.id, status: 'cancelled' }] })
  const page = await app.inject({ url: `/s/${token}`, headers: { 'accept-language': 'nb' } })
  t.equal(page.statusCode, 410)
  t.match(page.body, 'Undersøkelsen er trukket tilbake')
  t.same((await reopened(app, { case_ref: 'INC-2002' })).json(), { cancelled: 0, invitations: [] }, 'idempotent')
  t.same(
    (await reopened(app, { case_ref: 'INC-1001', team: 'hr' })).json(),
    { cancelled: 0, invitations: [] },
    "another team's surveys are left alone"
  )

  await reopened(app, { case_ref: 'INC-1001' })
  const [row] = await rows<{ status: string; email: string | null; attributes: string | null }>(
    app,
    `SELECT status, email, attributes FROM invitations WHERE id = '${first.invitation.id}'`
  )
  t.same(row, { status: 'cancelled', email: null, attributes: null }, 'a cancelled invitation keeps no address')

  clock.advanceDays(2)
  const again = await closed(app, event)
  t.equal(again.statusCode, 201)
  t.match(again.json(), {
    status: 'queued',
    invitation: { id: first.invitation.id, status: 'queued', created_at: clock.now().toISOString() }
  })
  t.equal(await count(app, 'invitations'), 2, 'still one invitation per case')
})

t.test('the replies to reopening and closing again never tell whether the requester answered', async t => {
  const clock = testClock()
  const app = await build(t, { clock })
  const survey = await createSurvey(app, { team: 'it' })
  const linkOf = async (caseRef: string) =>
    (
      await api(app, {
        method: 'POST',
        url: `/v1/surveys/${survey.id}/invitations`,
        payload: { channel: 'link', case_ref: caseRef }
      })
    ).json()
  const answered = await linkOf('INC-A')
  await linkOf('INC-U')
  t.equal((await submitForm(app, answered.url.split('/s/')[1], { score: '5' })).statusCode, 303)

  // The replies, with the invitation's own id and dates taken out, must be the same for both cases.
  const shape = (body: { invitations?: Array<Record<string, unknown>>; invitation?: Record<string, unknown> }) =>
    JSON.stringify(body, (key, value) =>
      ['id', 'case_ref', 'created_at', 'expires_at', 'delivered_on', 'url'].includes(key) ? '…' : value
    )
  const reopenA = await reopened(app, { case_ref: 'INC-A', team: 'it' })
  const reopenU = await reopened(app, { case_ref: 'INC-U', team: 'it' })
  t.equal(reopenA.statusCode, reopenU.statusCode)
  t.match(reopenA.json(), { cancelled: 1, invitations: [{ status: 'cancelled' }] })
  t.equal(shape(reopenA.json()), shape(reopenU.json()), 'case-reopened answers alike')
  t.equal(
    (await app.inject({ url: `/s/${answered.url.split('/s/')[1]}` })).statusCode,
    410,
    'the old link is withdrawn'
  )

  clock.advanceDays(1)
  const again = (caseRef: string) =>
    api(app, {
      method: 'POST',
      url: `/v1/surveys/${survey.id}/invitations`,
      payload: { channel: 'link', case_ref: caseRef }
    })
  const againA = await again('INC-A')
  const againU = await again('INC-U')
  t.equal(againA.statusCode, 201)
  t.equal(againU.statusCode, 201)
  t.equal(shape(againA.json()), shape(againU.json()), 'closing again answers alike')
  t.match(againA.json(), { status: 'sent', invitation: { id: answered.invitation.id } })
  t.equal(await count(app, 'responses'), 1, 'the answer already given stays')
  t.equal(await count(app, 'invitations'), 2, 'still one invitation per case')
})

t.test('bad input on the event routes is a problem naming the field, and changes nothing', async t => {
  const app = await build(t)
  await createSurvey(app, { team: 'it' })
  const cases: Array<[string, object, string[]]> = [
    ['case-closed', {}, ['body.case_ref', 'body.email', 'body.team']],
    ['case-closed', { ...event, email: 'nope' }, ['body.email']],
    ['case-closed', { ...event, case_ref: 12 }, ['body.case_ref']],
    ['case-closed', { ...event, locale: 'sv SE' }, ['body.locale']],
    ['case-closed', { ...event, agent: '' }, ['body.agent']],
    ['case-closed', { ...event, priority: 'high' }, ['body.priority']],
    ['case-reopened', {}, ['body.case_ref']],
    ['case-reopened', { case_ref: ['a'] }, ['body.case_ref']]
  ]
  for (const [route, payload, paths] of cases) {
    const res = await api(app, { method: 'POST', url: `/v1/events/${route}`, payload })
    t.equal(res.statusCode, 400, `${route} ${JSON.stringify(payload)}`)
    t.same(
      res
        .json()
        .errors.map((e: { path: string }) => e.path)
        .sort(),
      [...paths].sort()
    )
  }
  t.equal((await app.inject({ method: 'POST', url: '/v1/events/case-closed', payload: event })).statusCode, 401)
  t.equal(await count(app, 'invitations'), 0)
})
