import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { sql } from 'drizzle-orm'
import t from 'tap'
import { sweep } from '../src/invitations/service.js'
import { api, build, testClock } from './helpers/build.js'
import { count, createSurvey, invite, rows, submitForm, submitJson, type App } from './helpers/puls.js'
import { ensureSystemPackage, TEST_PACKAGES } from './helpers/system-package.js'
import { run as dbRun } from '../src/db/dialect.js'

// docs/anonymity.md: one test per invariant this part of Puls must keep (1, 2, 3, 6, 7). Each fails if
// the invariant breaks: they read the database and the log as an outsider would.

// `items`: the answers to the survey's items (by item key), nothing about who gave them.
const RESPONSE_COLUMNS = ['id', 'survey_id', 'score', 'comment', 'day', 'locale', 'channel', 'attributes', 'items']

async function answerAll (
  app: App,
  surveyId: string,
  n: number,
  headers: Record<string, string>
): Promise<Array<{ token: string; id: string }>> {
  const links = []
  for (let i = 0; i < n; i++) {
    const res = (
      await invite(app, surveyId, {
        channel: 'link',
        email: `person${i}@example.com`,
        case_ref: `CASE-${i}`,
        attributes: { team: 'it' }
      })
    ).json()
    links.push({ token: res.url.split('/s/')[1] as string, id: res.invitation.id as string })
  }
  // Answered in order: score i for the i-th invitation, so the order of arrival is known here.
  for (const [i, link] of links.entries()) {
    const res = await submitForm(app, link.token, { score: String(i) }, headers)
    if (res.statusCode !== 303) throw new Error(res.body)
  }
  return links
}

t.test(
  'invariant 1: a response holds no link to its invitation, token, address, IP or user agent, and no order',
  async t => {
    const app = await build(t, { env: { TRUST_PROXY: 'true' } })
    const survey = await createSurvey(app, { kind: 'relationship' })
    const headers = { 'user-agent': 'Mozilla/5.0 (UA-PROBE-7731)', 'x-forwarded-for': '203.0.113.77' }
    const links = await answerAll(app, survey.id, 8, headers)

    const columns = (await rows<{ name: string }>(app, 'PRAGMA table_info(responses)')).map(c => c.name)
    t.same(columns.sort(), [...RESPONSE_COLUMNS].sort(), 'no column beyond what promise 1 of docs/anonymity.md allows')
    t.same(
      (await rows<{ table: string }>(app, 'PRAGMA foreign_key_list(responses)')).map(f => f.table),
      ['surveys'],
      'references the survey only'
    )
    await t.rejects(
      rows(app, 'SELECT rowid FROM responses'),
      /no such column: rowid/,
      'WITHOUT ROWID: no hidden arrival order'
    )

    const stored = await rows<{ id: string; score: number }>(app, 'SELECT * FROM responses')
    const dump = JSON.stringify(stored)
    for (const link of links) {
      t.notMatch(dump, link.token, 'no token')
      t.notMatch(dump, createHash('sha256').update(link.token).digest('hex'), 'no token hash')
      t.notMatch(dump, link.id, 'no invitation id')
      t.notMatch(dump, link.id.slice(4), 'not even the random part of it')
    }
    t.notMatch(dump, /example\.com|person\d/, 'no address')
    t.notMatch(dump, /203\.0\.113\.77|UA-PROBE|Mozilla/, 'no IP address or user agent')
    t.notMatch(dump, /CASE-/, 'no case reference')

    for (const r of stored) t.match(r.id, /^[A-Za-z0-9_-]{22}$/, 'a 128-bit random id, no prefix, no time')
    const byId = [...stored].sort((a, b) => (a.id < b.id ? -1 : 1)).map(r => r.score)
    const asStored = stored.map(r => r.score)
    const arrival = [0, 1, 2, 3, 4, 5, 6, 7]
    // If ids (or the table order) followed arrival, these would equal it; by chance 1 in 8! = 40,320.
    t.not(byId.join(), arrival.join(), 'sorting by id does not give the order of arrival')
    t.not(asStored.join(), arrival.join(), 'the table order does not give it either')
  }
)

t.test('invariant 2: times are coarsened to the day; the invitation records only that it was answered', async t => {
  const clock = testClock('2026-03-02T09:00:00.000Z')
  const app = await build(t, { clock })
  const survey = await createSurvey(app)
  const created = (
    await invite(app, survey.id, { channel: 'link', case_ref: 'C-1', attributes: { agent: 'ola' } })
  ).json()
  const token = created.url.split('/s/')[1]
  const before = (await rows(app, 'SELECT * FROM invitations'))[0]!
  clock.set('2026-03-04T17:45:12.345Z')
  t.equal((await submitJson(app, token, { score: 4 })).statusCode, 201)

  const [response] = await rows<Record<string, unknown>>(app, 'SELECT * FROM responses')
  t.equal(response!.day, '2026-03-04')
  const answeredAt = clock.now()
  const fine = [String(answeredAt.getTime()), String(Math.floor(answeredAt.getTime() / 1000)), '17:45', 'T17']
  for (const value of Object.values(response!)) {
    for (const f of fine) t.notMatch(String(value), f, `no finer time than the day in ${String(value)}`)
  }
  const after = (await rows(app, 'SELECT * FROM invitations'))[0]!
  const changed = Object.keys(after)
    .filter(k => after[k] !== before[k])
    .sort()
  // A link invitation never held an address, so only its status and attributes can change.
  t.same(changed, ['attributes', 'status'], 'only the status and the erased attributes change')
  t.equal(after.status, 'answered')
  t.equal(after.created_at, before.created_at)
  t.equal(after.delivered_on, '2026-03-02', 'the delivery day, not the answer day')
  const invitationColumns = (await rows<{ name: string }>(app, 'PRAGMA table_info(invitations)')).map(c => c.name)
  t.notOk(
    invitationColumns.some(c => /answer|respon|updated/.test(c)),
    'no column that could hold when it was answered'
  )
})

t.test(
  'invariant 3: addresses are erased once an invitation is answered, expired, cancelled or its survey closed',
  async t => {
    const clock = testClock('2026-03-02T09:00:00Z')
    const dataDir = t.testdir()
    const app = await build(t, { clock, dataDir })
    const post = await createSurvey(app, { team: 'it', link_ttl_days: 7 })
    const closing = await createSurvey(app, { team: 'hr' })
    const addr = (n: string) => `${n}.erasure-probe@example.org`
    const mail = async (surveyId: string, name: string, extra: object = {}) =>
      (await invite(app, surveyId, { email: addr(name), ...extra })).json()

    await mail(post.id, 'answered', { case_ref: 'A' })
    await mail(post.id, 'expired-by-sweep', { case_ref: 'B' })
    const linkC = await mail(post.id, 'expired-on-open', {
      case_ref: 'C',
      channel: 'link',
      attributes: { agent: 'attr-probe' }
    })
    await api(app, {
      method: 'POST',
      url: '/v1/events/case-closed',
      payload: { case_ref: 'D', email: addr('cancelled'), team: 'it' }
    })
    await mail(closing.id, 'closed', { case_ref: 'E' })
    await mail(closing.id, 'closed-link', { case_ref: 'F', channel: 'link' })
    t.equal(
      (await rows(app, 'SELECT email FROM invitations WHERE email IS NOT NULL')).length,
      4,
      'held while needed to send and remind'
    )

    // Mail is another part of Puls; the test plays the mailer, which knows the token it sent.
    const mailedToken = 'mailed-token-known-to-the-mailer-only-0000000'
    const mailedHash = createHash('sha256').update(mailedToken).digest('hex')
    await dbRun(app.store.db, sql`UPDATE invitations SET token_hash = ${mailedHash} WHERE case_ref = 'A'`)
    t.equal((await submitForm(app, mailedToken, { score: '5' })).statusCode, 303)
    t.same(
      await rows(app, "SELECT status, email, attributes FROM invitations WHERE case_ref = 'A'"),
      [{ status: 'answered', email: null, attributes: null }],
      'answered: erased at once'
    )
    await api(app, { method: 'POST', url: '/v1/events/case-reopened', payload: { case_ref: 'D' } })
    await api(app, { method: 'PATCH', url: `/v1/surveys/${closing.id}`, payload: { status: 'closed' } })
    t.same(
      await rows(app, `SELECT DISTINCT email, attributes FROM invitations WHERE survey_id = '${closing.id}'`),
      [{ email: null, attributes: null }],
      'closed: erased with the close'
    )
    clock.advanceDays(8)
    const lazy = (await rows<{ id: string }>(app, "SELECT id FROM invitations WHERE case_ref = 'C'"))[0]!
    t.equal((await app.inject({ url: `/s/${linkC.url.split('/s/')[1]}` })).statusCode, 410)
    t.same(
      await rows(app, `SELECT status, attributes FROM invitations WHERE id = '${lazy.id}'`),
      [{ status: 'expired', attributes: null }],
      'expired on open'
    )
    t.equal((await sweep(app.store.db, clock.now())).expired, 1, 'B expires in the sweep')
    t.same(
      await rows(app, 'SELECT email, attributes FROM invitations WHERE email IS NOT NULL OR attributes IS NOT NULL'),
      [],
      'no address or attributes left'
    )
    const wal = `${app.config.databaseFile}-wal`
    t.notMatch(
      existsSync(wal) ? readFileSync(wal).toString('latin1') : '',
      /erasure-probe/,
      'the sweep emptied the write-ahead log, which held the old pages'
    )

    // Read the database as someone who copied the file: a logical dump, then the raw bytes.
    await app.close()
    const file = app.config.databaseFile
    t.notOk(
      existsSync(`${file}-wal`) && readFileSync(`${file}-wal`).length > 0,
      'the WAL was checkpointed into the file on close'
    )
    const dump = execFileSync(await ensureSystemPackage(TEST_PACKAGES.sqlite3), [file, '.dump'], { encoding: 'utf8' })
    t.match(dump, /INSERT INTO (")?invitations/, 'the dump holds the invitations')
    const raw = readFileSync(file).toString('latin1')
    for (const name of ['answered', 'expired-by-sweep', 'expired-on-open', 'cancelled', 'closed', 'closed-link']) {
      t.notMatch(dump, addr(name), `.dump holds no ${name} address`)
      t.notMatch(raw, addr(name), `the file's bytes hold no ${name} address`)
      t.notMatch(dump, createHash('sha256').update(addr(name)).digest('hex'), 'nor an unkeyed hash of it')
    }
    t.notMatch(dump, /erasure-probe/)
    t.notMatch(dump, /attr-probe/, 'nor the attributes of an invitation that ended unanswered')
  }
)

t.test('invariant 6: tokens and addresses never reach the log', async t => {
  const lines: string[] = []
  const app = await build(t, { logger: { level: 'info', stream: { write: (l: string) => lines.push(l) } } })
  const survey = await createSurvey(app)
  const email = 'log.probe@example.net'
  const made = (await invite(app, survey.id, { channel: 'link', email, case_ref: 'L-1' })).json()
  await invite(
    app,
    survey.id,
    { channel: 'email', email: 'second.probe@example.net', case_ref: 'L-2' },
    { 'idempotency-key': 'log-key' }
  )
  await api(app, {
    method: 'POST',
    url: '/v1/events/case-closed',
    payload: { case_ref: 'L-3', email: 'third.probe@example.net', team: 'it' }
  })
  const token = made.url.split('/s/')[1]
  await app.inject({ url: `/s/${token}?score=4` })
  await submitForm(app, token, { comment: 'no score' })
  await submitForm(app, token, { score: '4' })
  await app.inject({ url: `/s/${token}/thanks` })
  await submitJson(app, token, { score: 1 })
  await app.inject({ url: `/s/${token}` })
  await app.inject({ url: '/s/unknown-token-LOGPROBE' })
  await app.inject({ method: 'POST', url: `/s/${token}`, payload: 'x', headers: { 'content-type': 'text/plain' } })

  const log = lines.join('\n')
  t.ok(lines.length >= 20, 'requests were logged')
  t.ok(lines.filter(l => l.includes('"url":"/s/')).length >= 8, 'respondent requests are logged')
  for (const secret of [token, createHash('sha256').update(token).digest('hex'), 'LOGPROBE', 'log-key']) {
    t.notMatch(log, secret)
  }
  t.notMatch(log, /@example\.net|probe@/, 'no address anywhere in the log')
  t.notMatch(log, /203\.0\.113|remoteAddress":"[^"]*","url":"\/s\//, "respondents' addresses are left out")
})

t.test('invariant 7: opening a link, however often and however, records no answer', async t => {
  const app = await build(t)
  const survey = await createSurvey(app, { kind: 'relationship' })
  const token = (await invite(app, survey.id, { channel: 'link' })).json().url.split('/s/')[1]
  // What a mail security scanner does: open every link in the mail, each one-click score.
  for (let score = 0; score <= 10; score++) {
    t.equal((await app.inject({ url: `/s/${token}?score=${score}` })).statusCode, 200)
    t.equal((await app.inject({ method: 'HEAD', url: `/s/${token}?score=${score}` })).statusCode, 200)
  }
  await app.inject({ url: `/s/${token}/thanks` })
  t.equal(await count(app, 'responses'), 0)
  t.same(await rows(app, 'SELECT status FROM invitations'), [{ status: 'sent' }])
})
