import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { simpleParser } from 'mailparser'
import t from 'tap'
import { eq } from 'drizzle-orm'
import { tables } from '../src/db/dialect.js'
import { enqueueMail, findMail } from '../src/mail/repository.js'
import { build, testClock } from './helpers/build.js'
import { links } from './helpers/html.js'
import { parseMetrics, sampleValue } from './helpers/prometheus.js'
import { rawHeader, startSmtp } from './helpers/smtp.js'

type App = Awaited<ReturnType<typeof build>>

/** Queues one survey mail the way an invitation does: rendered, in a transaction. */
async function queue (app: App, to: string, token = `tok-${to}`): Promise<string> {
  const mail = app.outbox.compose({
    purpose: 'invitation',
    kind: 'post_case',
    metric: 'csat',
    locale: 'en',
    question: 'How satisfied are you?',
    token,
    expiresAt: new Date('2026-03-09T09:00:00Z'),
    caseRef: 'INC-1'
  })
  const row = await app.store.transaction(tx =>
    app.outbox.enqueue(tx, { invitationId: null, purpose: 'invitation', recipient: to, ...mail })
  )
  return row.id
}

t.test('a queued mail goes out over SMTP once, and its address and body are erased after', async t => {
  const smtp = await startSmtp(t)
  const clock = testClock()
  const app = await build(t, { clock, env: { SMTP_URL: smtp.url, MAIL_FROM: 'IT desk <it@puls.example>' } })
  const id = await queue(app, 'ada@example.com', 'secret-token-1')

  // The worker the enqueue woke may send it before this flush looks (on PostgreSQL the wake's
  // timer can run while the transaction commits): either way it goes out once (checked below).
  await app.outbox.flush()
  const [mail] = await smtp.waitFor(1)
  t.same(mail!.envelope, { from: 'it@puls.example', to: ['ada@example.com'] })
  t.equal(mail!.parsed.subject, 'How did we do with case INC-1?')
  t.equal(mail!.parsed.messageId, `<${id}@puls.example>`, 'Message-ID follows the outbox row')
  t.equal(rawHeader(mail!, 'List-Unsubscribe'), '<http://localhost:3000/s/secret-token-1/unsubscribe>')
  t.match(mail!.parsed.text, 'http://localhost:3000/s/secret-token-1?score=5')
  t.same(
    links(mail!.parsed.html as string)
      .map(l => l.href)
      .slice(0, 5),
    [1, 2, 3, 4, 5].map(n => `http://localhost:3000/s/secret-token-1?score=${n}`)
  )

  const row = (await findMail(app.store.db, id))!
  t.match(row, {
    state: 'sent',
    attempts: 1,
    recipient: null,
    subject: null,
    text: null,
    html: null,
    headers: null,
    leaseId: null,
    lastError: null
  })
  t.same(row.sentAt, clock.now())
  t.equal(await app.outbox.flush(), 0, 'nothing left to send')
  t.equal(smtp.received.length, 1)
})

t.test('a server that refuses the first attempts: retried with growing delays, arrives once', async t => {
  const smtp = await startSmtp(t, { refuse: 2 })
  const clock = testClock('2026-03-02T09:00:00Z')
  const app = await build(t, { clock, env: { SMTP_URL: smtp.url } })
  const id = await queue(app, 'bo@example.com')

  await app.outbox.flush()
  t.equal(smtp.refused, 1)
  t.match(await findMail(app.store.db, id), {
    state: 'pending',
    attempts: 1,
    lastError: /451 Try again later/,
    recipient: 'bo@example.com'
  })
  t.same((await findMail(app.store.db, id))!.nextAttemptAt, new Date('2026-03-02T09:01:00Z'),
    'first retry after a minute')

  t.equal(await app.outbox.flush(), 0, 'not due yet')
  clock.set('2026-03-02T09:01:00Z')
  await app.outbox.flush()
  t.equal(smtp.refused, 2)
  t.same((await findMail(app.store.db, id))!.nextAttemptAt, new Date('2026-03-02T09:03:00Z'), 'then after two minutes')

  clock.set('2026-03-02T09:03:00Z')
  await app.outbox.flush()
  await smtp.waitFor(1)
  t.match(await findMail(app.store.db, id), { state: 'sent', attempts: 3, lastError: null, recipient: null })
  await app.outbox.flush()
  t.equal(smtp.received.length, 1, 'arrived exactly once')
})

t.test('after the last attempt a mail is given up; a recipient refused for good is not retried', async t => {
  const smtp = await startSmtp(t, { refuse: 100, rejectRecipient: /^nobody@/ })
  const clock = testClock()
  const app = await build(t, {
    clock,
    env: { SMTP_URL: smtp.url, MAIL_MAX_ATTEMPTS: '3', MAIL_RETRY_MIN_SECONDS: '10', MAIL_RETRY_MAX_SECONDS: '15' }
  })
  const refused = await queue(app, 'cy@example.com')
  const unknown = await queue(app, 'nobody@example.com')

  await app.outbox.flush()
  const gone = (await findMail(app.store.db, unknown))!
  t.match(gone, { state: 'failed', attempts: 1, recipient: null, html: null })
  t.match(gone.lastError, /550/)
  t.notMatch(gone.lastError, /nobody@example\.com/, 'the address is not kept in the error')

  const delays = []
  for (let i = 0; i < 5; i++) {
    const row = (await findMail(app.store.db, refused))!
    if (row.state !== 'pending') break
    delays.push(row.nextAttemptAt.getTime() - clock.now().getTime())
    clock.set(row.nextAttemptAt.toISOString())
    await app.outbox.flush()
  }
  t.same(delays, [10_000, 15_000], 'doubling, capped at the maximum')
  t.match(await findMail(app.store.db, refused), {
    state: 'failed',
    attempts: 3,
    recipient: null,
    text: null,
    lastError: /451/
  })
  t.equal(smtp.received.length, 0)
})

t.test('a restart with mail queued: each mail arrives exactly once, sent by the next process', async t => {
  const smtp = await startSmtp(t, { refuse: 3 })
  const clock = testClock()
  const env = { SMTP_URL: smtp.url, MAIL_POLL_MS: '20' }
  const dataDir = t.testdir()
  const first = await build(t, { clock, env, dataDir })
  const ids = []
  for (const n of ['a', 'b', 'c', 'd', 'e']) ids.push(await queue(first, `${n}@example.com`))
  await first.outbox.flush()
  t.equal(smtp.refused, 3)
  t.equal(smtp.received.length, 2, 'two went out before the restart')
  await first.close()

  clock.advanceDays(1)
  const second = await build(t, { clock, env, dataDir })
  // No flush: the restarted service's own worker picks the queue up.
  await smtp.waitFor(5)
  await second.outbox.flush()
  t.equal(smtp.received.length, 5)
  t.same(
    smtp.received.map(m => m.envelope.to[0]).sort(),
    ['a', 'b', 'c', 'd', 'e'].map(n => `${n}@example.com`)
  )
  t.same(new Set(smtp.received.map(m => m.parsed.messageId)).size, 5, 'no message twice')
  const states = []
  for (const id of ids) states.push((await findMail(second.store.db, id))?.state)
  t.same(states, ids.map(() => 'sent'))
})

t.test('mail claimed by a process that crashed is sent once its lease runs out', async t => {
  const smtp = await startSmtp(t)
  const clock = testClock('2026-03-02T09:00:00Z')
  const dataDir = t.testdir()
  const first = await build(t, { clock, env: { SMTP_URL: smtp.url }, dataDir })
  // What a worker leaves behind when it dies between claiming and finishing: queued and claimed
  // in one transaction, unseen by the running worker.
  const id = await first.store.transaction(async tx => {
    const { outbox } = tables(tx)
    const mail = { subject: 's', text: 't', html: '<p>h</p>', headers: {} }
    const row = await enqueueMail(tx, {
      invitationId: null, purpose: 'invitation', recipient: 'dee@example.com', ...mail
    }, clock.now())
    await tx.update(outbox)
      .set({ state: 'sending', leaseId: 'lease_dead', leaseUntil: new Date('2026-03-02T09:05:00Z'), attempts: 1 })
      .where(eq(outbox.id, row.id))
    return row.id
  })
  await first.close()

  const second = await build(t, { clock, env: { SMTP_URL: smtp.url }, dataDir })
  t.equal(await second.outbox.flush(), 0, 'still leased by the dead worker')
  clock.set('2026-03-02T09:05:00Z')
  // This flush, or the worker's own poll just before it, sends it: once either way (below).
  await second.outbox.flush()
  await smtp.waitFor(1)
  t.match(await findMail(second.store.db, id), { state: 'sent', attempts: 2 })
  t.equal(smtp.received.length, 1)
})

t.test('without SMTP_URL each mail becomes an .eml file, logged without its address', async t => {
  const lines: string[] = []
  const stream = new Writable({
    write (chunk, _enc, done) {
      lines.push(String(chunk))
      done()
    }
  })
  const app = await build(t, { logger: { level: 'info', stream } })
  const id = await queue(app, 'eve@example.com', 'file-token')
  await app.outbox.flush()

  const dir = join(app.dataDir, 'mail')
  t.same(readdirSync(dir), [`${id}.eml`], 'one file, named by the outbox row')
  const parsed = await simpleParser(readFileSync(join(dir, `${id}.eml`)))
  t.equal(parsed.subject, 'How did we do with case INC-1?')
  t.match(parsed.text, 'http://localhost:3000/s/file-token?score=3')
  t.equal((await findMail(app.store.db, id))?.state, 'sent')

  const written = lines
    .map(l => JSON.parse(l) as { msg: string; file?: string; mail?: string })
    .find(l => l.msg.startsWith('mail written'))
  t.match(written, { file: join(dir, `${id}.eml`), mail: id })
  t.equal(parsed.messageId, `<${id}@localhost>`, 'the file is the mail: its Message-ID follows the row')
  t.notMatch(lines.join(''), 'eve@example.com', 'the address is never logged')
  t.notMatch(lines.join(''), 'file-token', 'nor the token')
  t.notOk(existsSync(join(dir, `${id}.eml.tmp`)))
})

t.test('metrics count outcomes per purpose and what waits in the outbox', async t => {
  const smtp = await startSmtp(t, { refuse: 1 })
  const app = await build(t, { clock: testClock(), env: { SMTP_URL: smtp.url } })
  await queue(app, 'm1@example.com')
  await queue(app, 'm2@example.com')
  await app.outbox.flush()
  const samples = parseMetrics((await app.inject({ url: '/metrics' })).body)
  t.equal(sampleValue(samples, 'puls_mail_attempts_total', { outcome: 'sent', purpose: 'invitation' }), 1)
  t.equal(sampleValue(samples, 'puls_mail_attempts_total', { outcome: 'retry', purpose: 'invitation' }), 1)
  t.equal(sampleValue(samples, 'puls_mail_attempts_total', { outcome: 'failed', purpose: 'invitation' }), 0)
  t.equal(sampleValue(samples, 'puls_mail_attempts_total', { outcome: 'sent', purpose: 'reminder' }), 0)
  t.equal(sampleValue(samples, 'puls_outbox_mails', { state: 'pending' }), 1, 'the refused one waits for its retry')
  t.equal(sampleValue(samples, 'puls_outbox_mails', { state: 'sending' }), 0)
})
