import t from 'tap'
import { api, build, testClock } from './helpers/build.js'
import { elements, links } from './helpers/html.js'
import { captureLogs, leaks } from './helpers/logs.js'
import { count, createSurvey, invite, rows, submitForm, type App } from './helpers/puls.js'
import { rawHeader, startSmtp, type ReceivedMail } from './helpers/smtp.js'

// Invitations by e-mail end to end: the API call queues a mail, the service sends it to a real
// SMTP server in this process, and the test reads what arrived and clicks its links.

const PUBLIC = 'https://puls.example.com'

async function setup (t: Tap, opts: { refuse?: number; rejectRecipient?: RegExp } = {}) {
  const smtp = await startSmtp(t, opts)
  const clock = testClock('2026-03-02T09:00:00Z')
  const app = await build(t, {
    clock,
    env: { SMTP_URL: smtp.url, PUBLIC_URL: PUBLIC, MAIL_FROM: 'IT desk <it@puls.example.com>' }
  })
  return { smtp, clock, app }
}
interface Tap {
  teardown: (fn: () => unknown) => void
}

/** The path of a link in a mail, to open it against the app. */
const path = (url: string): string => url.slice(PUBLIC.length)
const ratingLinks = (mail: ReceivedMail) => links(mail.parsed.html as string).filter(l => l.href.includes('?score='))
const tokenOf = (mail: ReceivedMail): string => /\/s\/([^/?>]+)/.exec(rawHeader(mail, 'List-Unsubscribe')!)![1]!
type InvitationRow = {
  status: string; email: string | null; delivered_on: string | null; reminder_token_hash: string | null
}
const invitationRow = async (app: App, id: string) =>
  (await rows<InvitationRow>(
    app,
    `SELECT status, email, delivered_on, reminder_token_hash FROM invitations WHERE id = '${id}'`
  ))[0]!

/** The score the survey page shows selected, if any. */
function selectedScore (html: string): string | undefined {
  return elements(html).find(e => e.name === 'input' && e.attrs.name === 'score' && 'checked' in e.attrs)?.attrs.value
}

t.test('an invitation arrives once, in its language, with both parts; its status follows delivery', async t => {
  const { smtp, app } = await setup(t)
  const survey = await createSurvey(app, { kind: 'post_case', metric: 'csat' })
  const res = await invite(app, survey.id, { email: 'kari@example.com', locale: 'nb', case_ref: 'INC-7' })
  t.equal(res.statusCode, 201)
  t.equal(res.json().status, 'queued')
  const id = res.json().invitation.id as string
  t.match(await invitationRow(app, id), { status: 'queued', delivered_on: null })

  await app.outbox.flush()
  const [mail] = await smtp.waitFor(1)
  t.same(mail!.envelope.to, ['kari@example.com'])
  t.equal(rawHeader(mail!, 'From'), 'IT desk <it@puls.example.com>')
  t.equal(mail!.parsed.subject, 'Hvordan gikk det med sak INC-7?')
  t.match(rawHeader(mail!, 'Content-Type'), /^multipart\/alternative/, 'a text part and an HTML part')
  t.match(mail!.parsed.text, 'Saken din INC-7 er lukket.')
  t.match(mail!.parsed.html, '<html lang="nb">')
  t.match(
    mail!.parsed.html,
    'Hvor fornøyd er du med hjelpen du fikk?',
    "the survey question in the invitation's language"
  )
  t.match(rawHeader(mail!, 'List-Unsubscribe'), new RegExp(`^<${PUBLIC}/s/[A-Za-z0-9_-]{43}/unsubscribe>$`))
  t.equal(rawHeader(mail!, 'List-Unsubscribe-Post'), 'List-Unsubscribe=One-Click')
  t.equal(rawHeader(mail!, 'Auto-Submitted'), 'auto-generated')
  t.match(
    await invitationRow(app, id),
    { status: 'sent', delivered_on: '2026-03-02', email: 'kari@example.com' },
    'kept for the reminder'
  )

  t.equal(await app.outbox.flush(), 0)
  t.equal(smtp.received.length, 1)
  t.same(
    await rows(app, `SELECT recipient, html, token FROM outbox WHERE invitation_id = '${id}'`),
    [{ recipient: null, html: null, token: null }],
    'the sent mail keeps no address or link'
  )
})

t.test('each rating link opens the survey with its score selected and records nothing; the form records', async t => {
  const { smtp, app } = await setup(t)
  const survey = await createSurvey(app, { kind: 'relationship', metric: 'nps' })
  await invite(app, survey.id, { email: 'ola@example.com', locale: 'en' })
  await app.outbox.flush()
  const [mail] = await smtp.waitFor(1)

  const buttons = ratingLinks(mail!)
  t.same(
    buttons.map(b => b.text),
    ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10']
  )
  for (const button of buttons) {
    const page = await app.inject({ url: path(button.href) })
    t.equal(page.statusCode, 200, `${button.text} opens the page`)
    t.equal(selectedScore(page.body), button.text, `${button.text} is selected`)
  }
  t.match(mail!.parsed.text, `10 (extremely likely): ${buttons.at(-1)!.href}`, 'the text part has the same links')
  t.equal(await count(app, 'responses'), 0, 'opening records nothing (mail scanners open every link)')

  const token = tokenOf(mail!)
  t.equal((await submitForm(app, token, { score: '9' })).statusCode, 303)
  t.equal(await count(app, 'responses'), 1)
  t.same(await rows(app, 'SELECT email, status FROM invitations'), [{ email: null, status: 'answered' }])
})

t.test("the invitation's locale, else the survey's default, for every language", async t => {
  const { smtp, app } = await setup(t)
  const survey = await createSurvey(app, { kind: 'post_case', default_locale: 'de' })
  await invite(app, survey.id, { email: 'a@example.com', locale: 'en', case_ref: 'A-1' })
  await invite(app, survey.id, { email: 'b@example.com', locale: 'nb', case_ref: 'B-1' })
  await invite(app, survey.id, { email: 'c@example.com', case_ref: 'C-1' })
  await app.outbox.flush()
  await smtp.waitFor(3)
  const byRecipient = Object.fromEntries(smtp.received.map(m => [m.envelope.to[0], m]))
  t.equal(byRecipient['a@example.com']!.parsed.subject, 'How did we do with case A-1?')
  t.equal(byRecipient['b@example.com']!.parsed.subject, 'Hvordan gikk det med sak B-1?')
  t.equal(
    byRecipient['c@example.com']!.parsed.subject,
    'Wie zufrieden waren Sie mit Vorgang C-1?',
    'no locale: the survey default'
  )
  t.match(byRecipient['c@example.com']!.parsed.html, '<html lang="de">')
  const page = await app.inject({ url: path(ratingLinks(byRecipient['c@example.com']!)[0]!.href) })
  t.match(page.body, '<html lang="de">', 'the page it opens speaks the same language')
})

t.test('retries never send a second mail: the same case, the same Idempotency-Key, the same event', async t => {
  const { smtp, app } = await setup(t)
  const survey = await createSurvey(app, { kind: 'post_case', team: 'it' })
  const payload = { email: 'per@example.com', case_ref: 'INC-9' }
  t.equal((await invite(app, survey.id, payload, { 'idempotency-key': 'k1' })).json().status, 'queued')
  t.equal((await invite(app, survey.id, payload, { 'idempotency-key': 'k1' })).headers['idempotent-replayed'], 'true')
  t.equal((await invite(app, survey.id, payload)).json().status, 'duplicate')
  const event = { case_ref: 'INC-10', email: 'liv@example.com', team: 'it' }
  for (let i = 0; i < 3; i++) await api(app, { method: 'POST', url: '/v1/events/case-closed', payload: event })
  const batch = {
    invitations: [
      { email: 'x@example.com', case_ref: 'B-1' },
      { email: 'y@example.com', case_ref: 'B-2' }
    ]
  }
  for (let i = 0; i < 2; i++) {
    await api(app, { method: 'POST', url: `/v1/surveys/${survey.id}/invitations/batch`, payload: batch })
  }

  await app.outbox.flush()
  await smtp.waitFor(4)
  await app.outbox.flush()
  t.same(
    smtp.received.map(m => m.envelope.to[0]).sort(),
    ['liv@example.com', 'per@example.com', 'x@example.com', 'y@example.com'],
    'one mail each'
  )
  t.equal(await count(app, 'outbox'), 4)
})

t.test('a refused first attempt: the mail still arrives once and the invitation is sent', async t => {
  const { smtp, clock, app } = await setup(t, { refuse: 1 })
  const survey = await createSurvey(app)
  const id = (await invite(app, survey.id, { email: 'eva@example.com' })).json().invitation.id
  await app.outbox.flush()
  t.match(await invitationRow(app, id), { status: 'queued' }, 'queued while the mail waits for its retry')
  clock.set('2026-03-02T09:01:00Z')
  await app.outbox.flush()
  await smtp.waitFor(1)
  t.match(await invitationRow(app, id), { status: 'sent', delivered_on: '2026-03-02' })
  t.equal(smtp.received.length, 1)
})

t.test('a recipient refused for good: the invitation fails and its address goes', async t => {
  const { app } = await setup(t, { rejectRecipient: /^nobody@/ })
  const survey = await createSurvey(app)
  const id = (await invite(app, survey.id, { email: 'nobody@example.com' })).json().invitation.id
  await app.outbox.flush()
  t.match(await invitationRow(app, id), { status: 'failed', email: null, delivered_on: null })
  t.same(await rows(app, 'SELECT state, recipient FROM outbox'), [{ state: 'failed', recipient: null }])
})

t.test('no address or mailed token reaches the log through the mail flows, at trace level', async t => {
  const logs = captureLogs()
  const smtp = await startSmtp(t, { refuse: 1, rejectRecipient: /^gone\./ })
  const clock = testClock('2026-03-02T09:00:00Z')
  const app = await build(t, {
    clock,
    logger: logs.logger,
    env: { SMTP_URL: smtp.url, PUBLIC_URL: PUBLIC, MAIL_FROM: 'IT desk <it@puls.example.com>' }
  })
  const survey = await createSurvey(app, { reminder_after_days: 1, team: 'it' })
  const addresses = ['first.leak-probe@example.com', 'gone.leak-probe@example.com', 'event.leak-probe@example.com']
  await invite(app, survey.id, { email: addresses[0], case_ref: 'L-1' })
  await invite(app, survey.id, { email: addresses[1], case_ref: 'L-2' })
  await api(app, {
    method: 'POST',
    url: '/v1/events/case-closed',
    payload: { case_ref: 'L-3', email: addresses[2], team: 'it' }
  })
  await app.outbox.flush()
  clock.set('2026-03-02T09:01:00Z')
  await app.outbox.flush()
  clock.set('2026-03-03T09:01:00Z')
  await app.invitationMail.remind()
  await app.outbox.flush()
  await smtp.waitFor(4)
  const tokens = smtp.received.map(tokenOf)
  await app.inject({ url: `/s/${tokens[0]}?score=3` })
  await app.inject({
    method: 'POST',
    url: `/s/${tokens[1]}/unsubscribe`,
    payload: 'List-Unsubscribe=One-Click',
    headers: { 'content-type': 'application/x-www-form-urlencoded' }
  })
  await submitForm(app, tokens[0]!, { score: '3' })

  const messages = logs.lines.map(l => (JSON.parse(l) as { msg: string }).msg)
  t.ok(
    messages.includes('mail sent') &&
      messages.includes('mail not sent; will retry') &&
      messages.includes('mail given up'),
    'the mail flows were logged'
  )
  t.same(leaks(logs.lines, [...addresses, ...tokens]), [], 'no line holds an address or a token')
})
