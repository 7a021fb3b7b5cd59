import fc from 'fast-check'
import t from 'tap'
import { processStore } from './helpers/process-store.js'
import { startServer, within } from './helpers/server-process.js'
import { startSmtp } from './helpers/smtp.js'

// Crash safety (docs/operating.md: an acknowledged response is never lost, also when the process is killed
// right after the acknowledgement). The real server process takes answers from many clients at
// once and is killed with SIGKILL at a random moment — no shutdown code runs. Restarted on the
// same database, every answer that got its success reply is there, and no link took two. On
// PostgreSQL (PULS_TEST_STORE=postgres) the same on a durable cluster: an answer is acknowledged
// only after COMMIT returned, and the server's fsync keeps it.

const KEY = 'crash-test-key-0123456789abcdef'
const SEED = Number(process.env.CRASH_SEED ?? Date.now() % 2 ** 31)
const LINKS = 400
const CONCURRENCY = 8

t.comment(`crash seed ${SEED} (replay with CRASH_SEED=${SEED})`)

// The moment of the kill, from the seed: after the k-th acknowledgement, plus a few event-loop
// turns so that it also lands between an answer's commit and its reply reaching us.
const [killAfter, extraTurns, jsonShare] = fc.sample(
  fc.tuple(fc.integer({ min: 20, max: LINKS - 100 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 100 })),
  { seed: SEED, numRuns: 1 }
)[0]!

type Outcome = 'acknowledged' | 'lost-in-flight' | 'not-sent'

t.test('SIGKILL under load loses no acknowledged answer and lets no link answer twice', async t => {
  const dataDir = t.testdir()
  const store = await processStore(t, dataDir)
  const env = { PULS_API_KEY: KEY, RATE_LIMIT_MAX: '0', ...store.env }
  const server = await startServer(t, { dataDir, env })
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }
  const survey = (await (
    await fetch(`${server.base}/v1/surveys`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'Crash', kind: 'relationship', team: 'it' })
    })
  ).json()) as { id: string }
  const batch = await fetch(`${server.base}/v1/surveys/${survey.id}/invitations/batch`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ invitations: Array.from({ length: LINKS }, () => ({ channel: 'link' })) })
  })
  t.equal(batch.status, 200)
  const tokens = ((await batch.json()) as { items: Array<{ url: string }> }).items.map(i =>
    i.url.slice(i.url.lastIndexOf('/s/') + 3)
  )

  const outcome = new Map<string, Outcome>(tokens.map(token => [token, 'not-sent']))
  let acknowledged = 0
  const state = { killed: false }
  const kill = (): void => {
    if (state.killed) return
    state.killed = true
    server.child.kill('SIGKILL')
  }

  /** One answer, as a form (303 to the thank-you page) or as JSON (201). */
  async function submit (base: string, token: string, i: number): Promise<number> {
    const json = i % 100 < jsonShare
    const res = await fetch(`${base}/s/${token}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded' },
      body: json ? JSON.stringify({ score: i % 11 }) : `score=${i % 11}&comment=crash+${i}`
    })
    await res.arrayBuffer()
    return res.status
  }

  let next = 0
  async function client (): Promise<void> {
    while (next < tokens.length && !state.killed) {
      const i = next++
      const token = tokens[i]!
      outcome.set(token, 'lost-in-flight')
      let status: number
      try {
        status = await submit(server.base, token, i)
      } catch {
        return // the connection died with the process: this answer's fate is unknown
      }
      if (status !== 201 && status !== 303) throw new Error(`answer ${i}: ${status} before the kill`)
      outcome.set(token, 'acknowledged')
      if (++acknowledged === killAfter) {
        let turns = extraTurns
        const later = (): void => {
          if (turns-- <= 0) kill()
          else setImmediate(later)
        }
        later()
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, client))
  kill()
  t.same(
    await within(server.exited, 10_000, { code: null, signal: 'still running' }),
    { code: null, signal: 'SIGKILL' },
    'killed'
  )

  const acked = tokens.filter(token => outcome.get(token) === 'acknowledged')
  const inFlight = tokens.filter(token => outcome.get(token) === 'lost-in-flight')
  t.ok(acked.length >= killAfter, `${acked.length} answers acknowledged before the kill (${inFlight.length} in flight)`)

  // Restart on the same database; no shutdown code ran, so SQLite recovers from its WAL.
  const again = await startServer(t, { dataDir, env })
  t.ok(await store.intact(), 'the database is intact')
  const stored = await store.count('SELECT count(*) AS n FROM responses')
  t.ok(stored >= acked.length, `every acknowledged answer is stored (${stored} stored, ${acked.length} acknowledged)`)
  t.ok(stored <= acked.length + inFlight.length, 'and nothing that was never sent')
  const answered = await store.count("SELECT count(*) AS n FROM invitations WHERE status = 'answered'")
  t.equal(answered, stored, 'each stored answer used up exactly one link, in the same transaction')

  // Every acknowledged link refuses a second answer; an in-flight one either was recorded (409)
  // or was not (and takes its one answer now).
  const again409 = await Promise.all(acked.map((token, i) => submit(again.base, token, i)))
  t.ok(
    again409.every(s => s === 409),
    'every acknowledged link answers 409 Conflict'
  )
  const retried = await Promise.all(inFlight.map((token, i) => submit(again.base, token, i)))
  t.ok(
    retried.every(s => s === 409 || s === 303 || s === 201),
    'an in-flight link answers either 409 or takes its answer now'
  )
  const recordedInFlight = retried.filter(s => s === 409).length
  const after = await store.count('SELECT count(*) AS n FROM responses')
  t.equal(
    stored,
    acked.length + recordedInFlight,
    'stored = acknowledged + the in-flight answers the links say were recorded'
  )
  t.equal(
    after,
    acked.length + inFlight.length,
    'after the retries, one answer per link that was ever sent, none twice'
  )

  again.child.kill('SIGTERM')
  t.same(
    await within(again.exited, 15_000, { code: null, signal: 'still running' }),
    { code: 0, signal: null },
    'the restarted service stops cleanly'
  )
})

// An e-mail invitation's mail is queued as its link's token and rendered only when it is sent
// (docs/mail.md). A process killed between the two leaves that token in the outbox and nothing
// else; the next process renders the mail, sends it once, and its link opens the survey.
t.test('SIGKILL between queueing a mail and sending it: the next start sends it once, and its link works', async t => {
  const dataDir = t.testdir()
  const store = await processStore(t, dataDir)
  const refusing = await startSmtp(t, { refuse: 1_000_000 })
  // Refused, the mail waits for a retry a second later; no poll comes before the kill.
  const mailEnv = { MAIL_RETRY_MIN_SECONDS: '1', MAIL_RETRY_MAX_SECONDS: '1', MAIL_POLL_MS: '3600000' }
  const env = { PULS_API_KEY: KEY, RATE_LIMIT_MAX: '0', ...mailEnv, ...store.env }
  const first = await startServer(t, { dataDir, env: { ...env, SMTP_URL: refusing.url } })
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }
  const post = async (base: string, path: string, body: unknown): Promise<any> =>
    (await fetch(base + path, { method: 'POST', headers, body: JSON.stringify(body) })).json()
  const survey = await post(first.base, '/v1/surveys', { name: 'Crash mail', kind: 'post_case', team: 'it' })
  const invited = await post(first.base, `/v1/surveys/${survey.id}/invitations`, {
    email: 'kari@example.com',
    case_ref: 'INC-9'
  })
  t.equal(invited.status, 'queued')
  await first.waitForLine(l => l.msg === 'mail not sent; will retry')
  first.child.kill('SIGKILL')
  await within(first.exited, 10_000, { code: null, signal: 'still running' })

  const queued = await store.query<Record<string, string | null>>(
    'SELECT state, recipient, token, html, subject FROM outbox'
  )
  t.equal(queued.length, 1)
  t.match(queued[0], { state: 'pending', recipient: 'kari@example.com', html: null, subject: null })
  t.match(queued[0]!.token, /^[A-Za-z0-9_-]{43}$/, 'the outbox holds the token, not a rendered message')

  const smtp = await startSmtp(t)
  const again = await startServer(t, { dataDir, env: { ...env, MAIL_POLL_MS: '50', SMTP_URL: smtp.url } })
  const [mail] = await smtp.waitFor(1)
  t.equal(mail!.parsed.subject, 'How did we do with case INC-9?', 'rendered by the next process')
  const token = /\/s\/([A-Za-z0-9_-]{43})\/unsubscribe/.exec(mail!.parsed.text ?? '')![1]!
  t.equal(token, queued[0]!.token, 'with the link queued before the kill')
  const page = await fetch(`${again.base}/s/${token}`)
  t.equal(page.status, 200, 'the mailed link opens the survey')
  await again.waitForLine(l => l.msg === 'mail sent')
  again.child.kill('SIGTERM')
  t.same(
    await within(again.exited, 15_000, { code: null, signal: 'still running' }),
    { code: 0, signal: null },
    'the restarted service stops cleanly'
  )
  t.same(
    await store.query('SELECT state, recipient, token, html FROM outbox'),
    [{ state: 'sent', recipient: null, token: null, html: null }],
    'sent, and the address and token are erased'
  )
  t.equal(smtp.received.length, 1, 'sent once')
})
