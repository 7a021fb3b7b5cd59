import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import t from 'tap'
import { sweep } from '../src/invitations/service.js'
import { api, build, onlyOn, testClock } from './helpers/build.js'
import { snapshot } from './helpers/fuzz.js'
import { links } from './helpers/html.js'
import { count, createSurvey, invite, rows, submitForm, type App } from './helpers/puls.js'
import { rawHeader, startSmtp, type ReceivedMail, type SmtpOptions } from './helpers/smtp.js'
import { ensureSystemPackage, TEST_PACKAGES } from './helpers/system-package.js'

// Reminders driven by the test clock, the unsubscribe path, and what the database still holds
// once invitations end.

const PUBLIC = 'https://puls.example.com'
interface Tap {
  teardown: (fn: () => unknown) => void
}

async function setup (t: Tap & { testdir: () => string }, smtpOptions: SmtpOptions = {}) {
  const smtp = await startSmtp(t, smtpOptions)
  const clock = testClock('2026-03-02T09:00:00Z')
  const dataDir = t.testdir()
  const app = await build(t, { clock, dataDir, env: { SMTP_URL: smtp.url, PUBLIC_URL: PUBLIC } })
  return { smtp, clock, app }
}

const path = (url: string): string => url.slice(PUBLIC.length)
const unsubscribeUrl = (mail: ReceivedMail): string => /^<(.+)>$/.exec(rawHeader(mail, 'List-Unsubscribe')!)![1]!
const tokenOf = (mail: ReceivedMail): string => /\/s\/([^/?]+)\/unsubscribe$/.exec(unsubscribeUrl(mail))![1]!
const to = (smtp: { received: ReceivedMail[] }, address: string): ReceivedMail[] =>
  smtp.received.filter(m => m.envelope.to[0] === address)

async function mailTo (app: App, surveyId: string, email: string, extra: object = {}): Promise<string> {
  const res = await invite(app, surveyId, { email, ...extra })
  if (res.statusCode !== 201) throw new Error(res.body)
  return res.json().invitation.id
}

t.test(
  'one reminder after reminder_after_days, only to those who have not answered, opted out or been cancelled',
  async t => {
    const { smtp, clock, app } = await setup(t, { rejectRecipient: /^fails@/ })
    const survey = await createSurvey(app, { kind: 'post_case', team: 'it', reminder_after_days: 3, link_ttl_days: 7 })
    for (const [who, ref] of [
      ['answers', 'A'],
      ['opts-out', 'B'],
      ['reopened', 'C'],
      ['silent', 'D'],
      ['fails', 'E']
    ] as const) {
      await mailTo(app, survey.id, `${who}@example.com`, { case_ref: ref, locale: who === 'silent' ? 'de' : 'en' })
    }
    await app.outbox.flush()
    await smtp.waitFor(4)
    t.same(
      await rows(app, "SELECT status FROM invitations WHERE case_ref = 'E'"),
      [{ status: 'failed' }],
      "E's mail was refused for good"
    )

    t.equal((await submitForm(app, tokenOf(to(smtp, 'answers@example.com')[0]!), { score: '4' })).statusCode, 303)
    t.equal(
      (await app.inject({ method: 'POST', url: path(unsubscribeUrl(to(smtp, 'opts-out@example.com')[0]!)) }))
        .statusCode,
      200
    )
    await api(app, { method: 'POST', url: '/v1/events/case-reopened', payload: { case_ref: 'C' } })

    clock.set('2026-03-05T08:59:00Z')
    t.equal(await app.invitationMail.remind(), 0, 'not before three days')
    clock.set('2026-03-05T09:00:00Z')
    t.equal(await app.invitationMail.remind(), 1, 'one reminder is due')
    t.equal(await app.invitationMail.remind(), 0, 'queued once')
    await app.outbox.flush()
    await smtp.waitFor(5)

    const [first, reminder] = to(smtp, 'silent@example.com')
    t.equal(
      reminder!.parsed.subject,
      'Erinnerung: Wie zufrieden waren Sie mit Vorgang D?',
      "in the invitation's language"
    )
    t.match(reminder!.parsed.text, 'Dies ist die einzige Erinnerung.')
    t.not(tokenOf(reminder!), tokenOf(first!), 'a token of its own')
    for (const button of links(reminder!.parsed.html as string).filter(l => l.href.includes('?score='))) {
      t.equal(
        (await app.inject({ url: path(button.href) })).statusCode,
        200,
        `reminder link ${button.text} opens the survey`
      )
    }
    t.equal(await count(app, 'responses'), 1, "opening the reminder's links records nothing")

    clock.set('2026-03-07T09:00:00Z')
    t.equal(await app.invitationMail.remind(), 0, 'never a second reminder')
    t.equal(smtp.received.length, 5, 'four invitations delivered and one reminder')

    // Either link answers, once for both.
    t.equal((await submitForm(app, tokenOf(reminder!), { score: '2' })).statusCode, 303)
    t.equal((await submitForm(app, tokenOf(first!), { score: '5' })).statusCode, 409, 'the first link is used up too')
    t.equal(await count(app, 'responses'), 2)
  }
)

t.test('no reminder after the link expired, for surveys without one, or from a closed survey', async t => {
  const { app, clock } = await setup(t)
  const none = await createSurvey(app, { kind: 'post_case', team: 'a', reminder_after_days: null })
  const late = await createSurvey(app, { kind: 'post_case', team: 'b', reminder_after_days: 3, link_ttl_days: 4 })
  const closing = await createSurvey(app, { kind: 'post_case', team: 'c', reminder_after_days: 3 })
  await mailTo(app, none.id, 'n@example.com')
  await mailTo(app, late.id, 'l@example.com')
  await mailTo(app, closing.id, 'c@example.com')
  await app.outbox.flush()
  await api(app, { method: 'PATCH', url: `/v1/surveys/${closing.id}`, payload: { status: 'closed' } })
  clock.set('2026-03-06T09:00:00Z')
  t.equal(await app.invitationMail.remind(), 0)
  t.equal(await count(app, 'outbox'), 3, 'only the three invitations were ever queued')
})

t.test('a reminder still waiting in the outbox when the person answers is cancelled and erased', async t => {
  const { smtp, clock, app } = await setup(t)
  const survey = await createSurvey(app, { reminder_after_days: 3 })
  await mailTo(app, survey.id, 'late@example.com')
  await app.outbox.flush()
  const [mail] = await smtp.waitFor(1)
  smtp.refuseNext(100)
  clock.set('2026-03-05T09:00:00Z')
  t.equal(await app.invitationMail.remind(), 1)
  await app.outbox.flush()
  t.same(
    await rows(app, "SELECT state, attempts FROM outbox WHERE purpose = 'reminder'"),
    [{ state: 'pending', attempts: 1 }],
    'refused, waiting for a retry'
  )

  t.equal((await submitForm(app, tokenOf(mail!), { score: '3' })).statusCode, 303)
  t.same(
    await rows(app, "SELECT state, recipient, html FROM outbox WHERE purpose = 'reminder'"),
    [{ state: 'cancelled', recipient: null, html: null }],
    'cancelled and erased with the answer'
  )
  smtp.refuseNext(0)
  clock.advanceDays(1)
  t.equal(await app.outbox.flush(), 0)
  t.equal(smtp.received.length, 1)
})

t.test('unsubscribe: a confirmation that records nothing, then an opt-out that stops all survey mail', async t => {
  const { smtp, app } = await setup(t)
  const survey = await createSurvey(app, { kind: 'relationship', team: 'hr', reminder_after_days: 3 })
  const other = await createSurvey(app, { kind: 'post_case', team: 'it' })
  await mailTo(app, survey.id, 'Ingrid@example.com', { locale: 'nb' })
  await app.outbox.flush()
  const [mail] = await smtp.waitFor(1)
  const url = path(unsubscribeUrl(mail!))
  t.equal(url, `/s/${tokenOf(mail!)}/unsubscribe`)
  t.ok(
    links(mail!.parsed.html as string).some(l => l.href === `${PUBLIC}${url}`),
    'the HTML part links to it'
  )
  t.match(mail!.parsed.text, `${PUBLIC}${url}`, 'and so does the text part')

  const confirm = await app.inject({ url })
  t.equal(confirm.statusCode, 200)
  t.match(confirm.body, '<html lang="nb">')
  t.match(confirm.body, 'Meld deg av e-poster med undersøkelser')
  t.match(confirm.body, '<form method="post"')
  t.equal(confirm.headers['cache-control'], 'no-store')
  t.equal(await count(app, 'opt_outs'), 0, 'opening the link records nothing')

  const done = await app.inject({
    method: 'POST',
    url,
    payload: '',
    headers: { 'content-type': 'application/x-www-form-urlencoded' }
  })
  t.equal(done.statusCode, 200)
  t.match(done.body, 'Du er meldt av')
  t.equal(await count(app, 'opt_outs'), 1)
  t.same(await rows(app, 'SELECT email FROM invitations'), [{ email: null }], 'the address is no longer needed')

  const again = await invite(app, other.id, { email: 'ingrid@EXAMPLE.com' })
  t.equal(again.json().status, 'opted_out', 'a later invitation to the same person sends nothing')
  await app.outbox.flush()
  t.equal(smtp.received.length, 1)
  t.equal(
    (await submitForm(app, tokenOf(mail!), { score: '8' })).statusCode,
    303,
    'the link already mailed still answers'
  )
})

t.test('one-click unsubscribe from a mail client (RFC 8058), as a form or multipart, repeated', async t => {
  const { smtp, app } = await setup(t)
  const survey = await createSurvey(app)
  await mailTo(app, survey.id, 'a@example.com', { case_ref: '1' })
  await mailTo(app, survey.id, 'b@example.com', { case_ref: '2' })
  await app.outbox.flush()
  await smtp.waitFor(2)
  const formUrl = path(unsubscribeUrl(to(smtp, 'a@example.com')[0]!))
  const multipartUrl = path(unsubscribeUrl(to(smtp, 'b@example.com')[0]!))

  for (let i = 0; i < 2; i++) {
    const form = await app.inject({
      method: 'POST',
      url: formUrl,
      payload: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' }
    })
    t.equal(form.statusCode, 200, 'no redirect: one-click clients do not follow one')
  }
  const boundary = '----puls'
  const multipart = await app.inject({
    method: 'POST',
    url: multipartUrl,
    payload:
      `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n` +
      `One-Click\r\n--${boundary}--\r\n`,
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }
  })
  t.equal(multipart.statusCode, 200)
  t.equal(await count(app, 'opt_outs'), 2)

  const unknown = await app.inject({ method: 'POST', url: '/s/not-a-token/unsubscribe' })
  t.equal(unknown.statusCode, 404)
  t.match(unknown.body, 'Link not found')
  t.equal(
    (await app.inject({ url: '/s/not-a-token/unsubscribe', headers: { accept: 'application/json' } })).headers[
      'content-type'
    ],
    'application/problem+json; charset=utf-8'
  )
})

t.test('opting out while mail waits in the outbox cancels it', async t => {
  const { smtp, app } = await setup(t)
  const first = await createSurvey(app, { team: 'it' })
  const second = await createSurvey(app, { team: 'hr' })
  await mailTo(app, first.id, 'sam@example.com')
  await app.outbox.flush()
  const [mail] = await smtp.waitFor(1)
  smtp.refuseNext(100)
  const waiting = await mailTo(app, second.id, 'sam@example.com')
  await app.outbox.flush()
  t.same(
    await rows(app, `SELECT state FROM outbox WHERE invitation_id = '${waiting}'`),
    [{ state: 'pending' }],
    'refused once, waiting'
  )

  t.equal((await app.inject({ method: 'POST', url: path(unsubscribeUrl(mail!)) })).statusCode, 200)
  t.same(await rows(app, `SELECT status, email FROM invitations WHERE id = '${waiting}'`), [
    { status: 'opted_out', email: null }
  ])
  t.same(
    await rows(app, `SELECT state, recipient, html FROM outbox WHERE invitation_id = '${waiting}'`),
    [{ state: 'cancelled', recipient: null, html: null }],
    'nothing left to send, nothing kept'
  )
  smtp.refuseNext(0)
  t.equal(await app.outbox.flush(), 0)
  t.equal(smtp.received.length, 1)
})

t.test('once invitations end, the database holds none of their addresses or mailed links', async t => {
  const { smtp, clock, app } = await setup(t)
  const survey = await createSurvey(app, { kind: 'post_case', team: 'it', reminder_after_days: 2, link_ttl_days: 5 })
  const closing = await createSurvey(app, { kind: 'relationship', team: 'hr' })
  const addr = (n: string) => `${n}.mail-erasure-probe@example.org`
  await mailTo(app, survey.id, addr('answered'), { case_ref: 'A' })
  await mailTo(app, survey.id, addr('reminded-then-expired'), { case_ref: 'B' })
  await mailTo(app, survey.id, addr('reopened'), { case_ref: 'C' })
  await mailTo(app, survey.id, addr('unsubscribed'), { case_ref: 'D' })
  await mailTo(app, closing.id, addr('closed'))
  await app.outbox.flush()
  await smtp.waitFor(5)
  const tokens = smtp.received.map(tokenOf)

  await submitForm(app, tokenOf(to(smtp, addr('answered'))[0]!), { score: '5' })
  await api(app, { method: 'POST', url: '/v1/events/case-reopened', payload: { case_ref: 'C' } })
  await app.inject({ method: 'POST', url: path(unsubscribeUrl(to(smtp, addr('unsubscribed'))[0]!)) })
  await api(app, { method: 'PATCH', url: `/v1/surveys/${closing.id}`, payload: { status: 'closed' } })
  clock.advanceDays(2)
  t.equal(await app.invitationMail.remind(), 1, 'B is reminded')
  await app.outbox.flush()
  await smtp.waitFor(6)
  tokens.push(tokenOf(smtp.received[5]!))
  clock.advanceDays(4)
  t.equal((await sweep(app.store.db, clock.now())).expired, 2, 'B and D expire')

  // Every row of every table, on either store: no address, no mailed link.
  const stored = await snapshot(app)
  t.match(stored, /"outbox",\["/, 'the snapshot holds the outbox rows')
  t.notMatch(stored, /mail-erasure-probe/, 'no row holds an address')
  for (const token of tokens) t.notMatch(stored, token, 'no mailed token')
  await app.close()

  t.test('nor do the SQLite file\'s bytes', { skip: onlyOn('sqlite', 'reads the database file') }, async t => {
    const file = app.config.databaseFile
    const dump = execFileSync(await ensureSystemPackage(TEST_PACKAGES.sqlite3), [file, '.dump'], { encoding: 'utf8' })
    t.match(dump, /INSERT INTO (")?outbox/, 'the dump holds the outbox')
    const raw = readFileSync(file).toString('latin1')
    t.notMatch(dump, /mail-erasure-probe/, '.dump holds no address')
    t.notMatch(raw, /mail-erasure-probe/, "nor do the file's bytes")
    for (const token of tokens) {
      t.notMatch(dump, token, 'no mailed token')
      t.notMatch(raw, token)
    }
  })
})
