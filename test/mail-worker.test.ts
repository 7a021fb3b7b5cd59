import Fastify from 'fastify'
import t from 'tap'
import type { DbHandle } from '../src/db/client.js'
import { enqueueMail, findMail } from '../src/mail/repository.js'
import { DEFAULT_RETRY } from '../src/mail/retry.js'
import { createMailTransport } from '../src/mail/transport.js'
import { OutboxWorker, type WorkerOptions } from '../src/mail/worker.js'
import { build, testClock } from './helpers/build.js'
import { startSmtp } from './helpers/smtp.js'
import { openTestStore, testDatabase } from './helpers/store.js'

// The worker on its own: a real database (SQLite or PostgreSQL, test/helpers/store.ts), a real
// SMTP server, the pooled transport, and options (short shutdown bounds, several workers) that
// the service does not expose. Two stores opened on one database are two instances.

const log = Fastify({ logger: false }).log
const clock = testClock()

interface Tap {
  teardown: (fn: () => unknown) => void
}

function worker (t: Tap, db: DbHandle, smtpUrl: string, options: Partial<WorkerOptions> = {}): OutboxWorker {
  const transport = createMailTransport({ smtpUrl, mailFrom: 'Puls <puls@example.org>', mailDir: '/nonexistent' }, log)
  t.teardown(() => transport.close({ force: true }))
  return new OutboxWorker({
    store: db,
    transport,
    clock,
    log,
    options: { pollMs: 3_600_000, batchSize: 10, leaseMs: 300_000, shutdownMs: 5000, retry: DEFAULT_RETRY, ...options }
  })
}

async function queue (db: DbHandle, n: number): Promise<string[]> {
  const ids = []
  for (let i = 0; i < n; i++) {
    const row = await enqueueMail(
      db.db,
      {
        invitationId: null,
        purpose: 'invitation',
        recipient: `p${i}@example.com`,
        subject: `mail ${i}`,
        text: 'hello',
        html: '<p>hello</p>',
        headers: {}
      },
      clock.now()
    )
    ids.push(row.id)
  }
  return ids
}

t.test('two workers on one database never send the same mail', async t => {
  const smtp = await startSmtp(t, { parse: false })
  const database = await testDatabase(t.testdir())
  const a = await openTestStore(t, database)
  const b = await openTestStore(t, database)
  const ids = await queue(a, 40)
  const [sentByA, sentByB] = await Promise.all([worker(t, a, smtp.url).flush(), worker(t, b, smtp.url).flush()])
  t.equal(sentByA + sentByB, 40)
  t.ok(sentByA > 0 && sentByB > 0, `both took part (${sentByA} + ${sentByB})`)
  t.equal(smtp.received.length, 40)
  t.equal(new Set(smtp.received.map(m => m.envelope.to[0])).size, 40, 'each recipient once')
  const states = []
  for (const id of ids) states.push((await findMail(a.db, id))?.state)
  t.same(states, ids.map(() => 'sent'))
})

t.test('shutdown lets a slow send finish within its bound', async t => {
  const smtp = await startSmtp(t, { delayMs: 300 })
  const db = await openTestStore(t, await testDatabase(t.testdir()))
  const [id] = await queue(db, 1)
  const w = worker(t, db, smtp.url)
  const flushing = w.flush()
  await new Promise(resolve => setTimeout(resolve, 50))
  await w.stop()
  t.equal(await flushing, 1)
  t.equal((await findMail(db.db, id!))?.state, 'sent', 'finished, not abandoned')
  t.equal(smtp.received.length, 1)
})

t.test('shutdown aborts a stalled send and hands the mail back; the next start sends it once', async t => {
  const stalled = await startSmtp(t, { stall: true })
  const db = await openTestStore(t, await testDatabase(t.testdir()))
  const [id] = await queue(db, 1)
  const first = worker(t, db, stalled.url, { shutdownMs: 200 })
  const cutShort = first.flush()
  await new Promise(resolve => setTimeout(resolve, 100))
  t.equal((await findMail(db.db, id!))?.state, 'sending')
  await first.stop()
  t.equal(await cutShort, 1, 'the claimed row counts as settled')
  t.match(
    await findMail(db.db, id!),
    { state: 'pending', attempts: 0, leaseId: null, recipient: 'p0@example.com' },
    'released, the cut-short attempt not counted'
  )
  t.equal(await first.flush(), 0, 'a stopped worker claims nothing')

  const smtp = await startSmtp(t)
  t.equal(await worker(t, db, smtp.url).flush(), 1)
  t.equal(smtp.received.length, 1)
  t.equal((await findMail(db.db, id!))?.state, 'sent')
})

t.test('the service finishes in-flight mail before its database closes', async t => {
  const smtp = await startSmtp(t, { delayMs: 300 })
  const dataDir = t.testdir()
  const app = await build(t, { dataDir, env: { SMTP_URL: smtp.url } })
  const { id } = await app.store.transaction(tx =>
    app.outbox.enqueue(tx, {
      invitationId: null,
      purpose: 'invitation',
      recipient: 'q@example.com',
      subject: 's',
      text: 't',
      html: '<p>h</p>',
      headers: {}
    })
  )
  await smtp.waitFor(0)
  await new Promise(resolve => setTimeout(resolve, 100))
  await app.close()
  t.equal(smtp.received.length, 1)
  const after = await openTestStore(t, app.config)
  t.equal((await findMail(after.db, id))?.state, 'sent')
})
