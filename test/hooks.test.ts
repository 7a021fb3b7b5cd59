import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import t from 'tap'
import { build } from './helpers/build.js'
import { captureLogs, leaks } from './helpers/logs.js'
import { count, createSurvey, rows, type App } from './helpers/puls.js'

// Each ticketing system's own webhook, with payloads written from its documentation
// (test/fixtures/hooks/) and signed the way that system signs them.

const SECRETS = {
  HOOK_ZAMMAD_SECRET: 'zammad-hmac-token-0123456789',
  HOOK_GLPI_SECRET: 'glpi-webhook-secret-0123456789',
  HOOK_ZNUNY_SECRET: 'znuny-rest-password-0123456789',
  HOOK_JIRA_SECRET: 'jira-hidden-header-0123456789'
}

const fixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/hooks/${name}.json`, import.meta.url), 'utf8')
const withState = (body: string, from: string, to: string): string => {
  if (!body.includes(from)) throw new Error(`fixture lacks ${from}`)
  return body.replace(from, to)
}

type Signer = (body: string, secret?: string) => Record<string, string>
const SIGN: Record<'zammad' | 'glpi' | 'znuny' | 'jira', Signer> = {
  zammad: (body, secret = SECRETS.HOOK_ZAMMAD_SECRET) => ({
    'x-hub-signature': `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`,
    'x-zammad-trigger': 'Puls survey',
    'x-zammad-delivery': 'c2a4f3e0-8d3b-4a4c-9c39-0d1f4e2b7a11'
  }),
  glpi: (body, secret = SECRETS.HOOK_GLPI_SECRET) => {
    const timestamp = '1772442000'
    return {
      'x-glpi-signature': createHmac('sha256', secret)
        .update(body + timestamp)
        .digest('hex'),
      'x-glpi-timestamp': timestamp
    }
  },
  znuny: (_body, secret = SECRETS.HOOK_ZNUNY_SECRET) => ({
    authorization: `Basic ${Buffer.from(`puls:${secret}`).toString('base64')}`
  }),
  jira: (_body, secret = SECRETS.HOOK_JIRA_SECRET) => ({ 'x-puls-hook-secret': secret })
}

type System = keyof typeof SIGN
function hook (app: App, system: System, body: string, headers: Record<string, string> = SIGN[system](body)) {
  return app.inject({
    method: 'POST',
    url: `/v1/hooks/${system}`,
    payload: body,
    headers: { 'content-type': 'application/json', ...headers }
  })
}

interface Row {
  case_ref: string
  status: string
  locale: string | null
  attributes: string | null
}
const invitations = (app: App) => rows<Row>(app, 'SELECT case_ref, status, locale, attributes FROM invitations')

const CASES = [
  {
    system: 'zammad',
    closed: 'zammad-closed',
    other: 'zammad-pending',
    team: 'it',
    caseRef: '10081',
    locale: null,
    attributes: { team: 'it', agent: 'emma', category: 'vpn' },
    reopen: ['"state": "closed"', '"state": "open"']
  },
  {
    system: 'glpi',
    closed: 'glpi-solved',
    other: 'glpi-pending',
    team: 'facilities',
    caseRef: '4021',
    locale: null,
    attributes: { team: 'facilities', agent: 'kari', category: 'printers' },
    reopen: ['"id": 5, "name": "Solved"', '"id": 2, "name": "Processing (assigned)"']
  },
  {
    system: 'znuny',
    closed: 'znuny-closed',
    other: 'znuny-pending',
    team: 'payroll',
    caseRef: '2026030210000017',
    locale: 'de',
    attributes: { team: 'payroll', agent: 'mueller', category: 'salary' },
    reopen: ['"StateType": "closed"', '"StateType": "open"']
  },
  {
    system: 'jira',
    closed: 'jira-done',
    other: 'jira-todo',
    team: 'hr',
    caseRef: 'HR-53',
    locale: 'nb',
    attributes: { team: 'hr', agent: 'Lena Berg', category: 'leave' },
    reopen: ['"key": "done"', '"key": "indeterminate"']
  }
] as const

for (const c of CASES) {
  t.test(
    `${c.system}: closed invites, reopened cancels, other states change nothing, nothing of the payload is logged`,
    async t => {
      const logs = captureLogs()
      const app = await build(t, { env: SECRETS, logger: logs.logger })
      await createSurvey(app, { team: c.team })
      const closed = fixture(c.closed)

      const other = await hook(app, c.system, fixture(c.other))
      t.equal(other.statusCode, 202, 'an unexpected state is accepted')
      t.same(other.json(), { action: 'ignored' })
      t.equal(await count(app, 'invitations'), 0, '…and changes nothing')

      const res = await hook(app, c.system, closed)
      t.equal(res.statusCode, 202, res.body)
      t.same(res.json(), { action: 'invited', status: 'queued' })
      const [row] = await invitations(app)
      t.equal(row?.case_ref, c.caseRef)
      t.equal(row?.locale, c.locale, 'a BCP-47 locale is normalised')
      t.same(JSON.parse(row!.attributes!), c.attributes, 'team from group/queue, agent from owner, category')

      const again = await hook(app, c.system, closed)
      t.same(again.json(), { action: 'invited', status: 'duplicate' }, 'a redelivery invites nobody twice')

      const reopenedBody = withState(closed, c.reopen[0], c.reopen[1])
      const reopened = await hook(app, c.system, reopenedBody)
      t.equal(reopened.statusCode, 202)
      t.same(reopened.json(), { action: 'cancelled', cancelled: 1 })
      t.equal((await invitations(app))[0]?.status, 'cancelled')

      const texts = ['Emily', 'kitchen', 'payslip', 'Payslip', 'parental', 'Kari', 'VPN drops', '1234 7777']
      t.same(leaks(logs.lines, texts), [], 'no line of the log holds anything of a payload')
    }
  )

  t.test(`${c.system}: a bad or missing signature is a 401 and changes nothing`, async t => {
    const app = await build(t, { env: SECRETS })
    await createSurvey(app, { team: c.team })
    const body = fixture(c.closed)
    const forged = await hook(app, c.system, body, SIGN[c.system](body, 'not-the-secret-0123456789'))
    t.equal(forged.statusCode, 401)
    t.match(forged.headers['content-type'], /^application\/problem\+json/)
    t.equal((await hook(app, c.system, body, {})).statusCode, 401, 'unsigned')
    if (c.system === 'zammad' || c.system === 'glpi') {
      // The signature covers the body: the same headers over a changed body do not hold.
      const tampered = await hook(app, c.system, body.replace(c.caseRef, '99999'), SIGN[c.system](body))
      t.equal(tampered.statusCode, 401, 'a changed body')
    }
    t.equal(await count(app, 'invitations'), 0)
  })
}

t.test('a hook whose secret is not configured does not exist; hooks need no API key', async t => {
  const app = await build(t, { env: { HOOK_JIRA_SECRET: SECRETS.HOOK_JIRA_SECRET } })
  await createSurvey(app, { team: 'hr' })
  const body = fixture('zammad-closed')
  const res = await hook(app, 'zammad', body)
  t.equal(res.statusCode, 404)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  const jira = await hook(app, 'jira', fixture('jira-done'))
  t.equal(jira.statusCode, 202, 'the secret is the authentication, not a bearer key')
})

t.test(
  'a signed payload that is not JSON, or lacks the requester, is a 4xx problem naming what is missing',
  async t => {
    const app = await build(t, { env: SECRETS })
    await createSurvey(app, { team: 'it' })
    const garbage = 'ticket=10081&state=closed'
    const res = await hook(app, 'zammad', garbage)
    t.equal(res.statusCode, 400)
    t.notMatch(res.body, /10081/, 'the answer does not quote the body')
    const noCustomer = JSON.stringify({ ticket: { number: '10090', state: 'closed', group: { name: 'it' } } })
    const missing = await hook(app, 'zammad', noCustomer)
    t.equal(missing.statusCode, 422)
    t.match(missing.json(), { code: 'unusable_payload', errors: [{ path: 'payload.email' }] })
    t.equal(await count(app, 'invitations'), 0)
  }
)

t.test('case events take BCP-47 locales', async t => {
  const app = await build(t)
  await createSurvey(app, { team: 'it' })
  const send = (locale: string, caseRef: string) =>
    app.inject({
      method: 'POST',
      url: '/v1/events/case-closed',
      headers: { authorization: 'Bearer test-bootstrap-key-0123456789' },
      payload: { case_ref: caseRef, email: `${caseRef}@example.com`, team: 'it', locale }
    })
  for (const [tag, expected] of [
    ['de-DE', 'de'],
    ['nb_NO', 'nb'],
    ['nn', 'nb'],
    ['en-GB', 'en'],
    ['fr-FR', null]
  ] as const) {
    const res = await send(tag, `c-${tag}`)
    t.equal(res.statusCode, 201, res.body)
    t.equal(res.json().invitation.locale, expected, `${tag} → ${expected ?? 'the survey default'}`)
  }
  const bad = await send('not a tag!', 'c-bad')
  t.equal(bad.statusCode, 400)
  t.match(bad.json(), { errors: [{ path: 'body.locale' }] })
})
