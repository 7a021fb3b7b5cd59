import pg from 'pg'
import t from 'tap'
import { createDatabase, startPostgres } from './helpers/postgres.js'
import { startServer, within } from './helpers/server-process.js'
import { startSmtp } from './helpers/smtp.js'

// Several instances on one PostgreSQL database (docs/postgres.md, "Several instances";
// docs/operating.md). Two real server processes share one durable cluster; load is spread over
// both; then one is killed with SIGKILL under load. PostgreSQL-only by nature: it starts its own
// cluster, so it runs in every `npm test` (without PostgreSQL installed it fails, saying how to get it).

const KEY = 'instances-test-key-0123456789abcdef'
const SECRET = 'instances-test-secret-0123456789abcdef'
const LINKS = 1000 // answered once each; DOUBLED of them are sent to both instances at once
const DOUBLED = 200
const CASES = 400 // case-closed events, one mail each
const BATCHES = 400 // invitation batches of BATCH_SIZE e-mail invitations
const BATCH_SIZE = 2
const RETRIED = 100 // events and batches sent again, with their Idempotency-Key, to the other instance
const CONCURRENCY = 64
const KILL_LINKS = 600

// Minutes on a busy two-core machine: longer than the default per-file timeout (.taprc).
t.setTimeout(900_000)

const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }

async function post (base: string, path: string, body: unknown, extra: Record<string, string> = {}): Promise<Response> {
  return await fetch(base + path, { method: 'POST', headers: { ...headers, ...extra }, body: JSON.stringify(body) })
}

async function json<T = any> (res: Response): Promise<T> {
  if (res.status >= 300) throw new Error(`${res.status}: ${await res.text()}`)
  return (await res.json()) as T
}

/** Link tokens for `n` new link invitations (one batch call). */
async function links (base: string, surveyId: string, n: number): Promise<string[]> {
  const body = { invitations: Array.from({ length: n }, () => ({ channel: 'link' })) }
  const { items } = await json<{ items: Array<{ url: string }> }>(
    await post(base, `/v1/surveys/${surveyId}/invitations/batch`, body))
  return items.map(i => i.url.slice(i.url.lastIndexOf('/s/') + 3))
}

/** One answer as a browser form; the status (303 taken, 409 already answered). */
async function answer (base: string, token: string, score: number): Promise<number> {
  const res = await fetch(`${base}/s/${token}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `score=${score}`
  })
  await res.arrayBuffer()
  return res.status
}

/** Runs the tasks, `width` at a time. */
async function pool (tasks: Array<() => Promise<void>>, width: number): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < tasks.length) await tasks[next++]!()
  }))
}

t.test('two instances on one PostgreSQL database', async t => {
  t.setTimeout(900_000)
  const cluster = await startPostgres(t, { durable: true })
  const url = await createDatabase(cluster, 'puls_instances')
  const db = new pg.Pool({ connectionString: url, max: 2 })
  db.on('error', () => {})
  t.teardown(() => db.end())
  const scalar = async (query: string, params: unknown[] = []): Promise<number> =>
    Number(Object.values((await db.query(query, params)).rows[0] as object)[0])

  const smtp = await startSmtp(t)
  const env = {
    DATABASE_URL: url,
    DATABASE_POOL_SIZE: '8',
    PULS_API_KEY: KEY,
    PULS_SECRET: SECRET,
    PUBLIC_URL: 'http://puls.example.com',
    RATE_LIMIT_MAX: '0',
    SMTP_URL: smtp.url,
    MAIL_POLL_MS: '100'
  }
  // Started together: the migrations run once, under their lock, while the other waits.
  const dir = t.testdir({ a: {}, b: {} })
  const [a, b] = await Promise.all([
    startServer(t, { dataDir: `${dir}/a`, env }),
    startServer(t, { dataDir: `${dir}/b`, env })
  ])
  const both = [a, b]
  // On failure, what the instances logged at error level says why.
  t.teardown(() => {
    for (const [name, s] of [['a', a], ['b', b]] as const) {
      const errors = s.lines.filter(l => /"level":(50|60)/.test(l))
      if (errors.length > 0 || s.stderr() !== '') {
        // The failed statement's first words and PostgreSQL's reason (never the parameters).
        const first = errors.slice(0, 10).map(l => {
          const e = JSON.parse(l) as { msg: string, err?: { message?: string, cause?: { message?: string } } }
          return `${e.msg}: ${(e.err?.message ?? '').slice(0, 60)}: ${e.err?.cause?.message ?? ''}`
        }).join('\n')
        console.error(`instance ${name}: ${errors.length} error lines\n${first}\n${s.stderr().slice(0, 3000)}`)
      }
    }
  })
  for (const s of both) t.equal((await fetch(`${s.base}/readyz`)).status, 200, 'each instance is ready')

  const survey = await json(await post(a.base, '/v1/surveys', { name: 'Links', kind: 'relationship', team: 'ops' }))
  const mailed = await json(await post(b.base, '/v1/surveys', { name: 'Mailed', kind: 'relationship', team: 'hr' }))
  await json(await post(a.base, '/v1/surveys', { name: 'Cases', kind: 'post_case', team: 'it' }))
  const tokens = [...await links(a.base, survey.id, LINKS / 2), ...await links(b.base, survey.id, LINKS / 2)]

  await t.test('2,000 answers, case events and invitation batches spread over both', async t => {
    const scoreOf = (i: number): number => (i * 7) % 11
    const accepted = new Map<string, number>() // token → how many submits were taken
    const statuses: Record<string, number> = {}
    const tally = async (token: string, base: string, i: number): Promise<void> => {
      const status = await answer(base, token, scoreOf(i))
      statuses[status] = (statuses[status] ?? 0) + 1
      if (status === 303) accepted.set(token, (accepted.get(token) ?? 0) + 1)
    }
    const tasks: Array<() => Promise<void>> = []
    tokens.forEach((token, i) => {
      // The first DOUBLED links are sent to both instances at the same moment.
      if (i < DOUBLED) tasks.push(async () => { await Promise.all([tally(token, a.base, i), tally(token, b.base, i)]) })
      else tasks.push(() => tally(token, both[i % 2]!.base, i))
    })
    const replays: Array<{ first: unknown, again: Response }> = []
    const failures: Record<string, number> = {} // 'route status' → count: none expected
    const sent = async (what: string, res: Promise<Response>): Promise<unknown> => {
      const r = await res
      if (r.status < 300) return await r.json()
      failures[`${what} ${r.status}`] = (failures[`${what} ${r.status}`] ?? 0) + 1
      await r.arrayBuffer()
      return undefined
    }
    for (let i = 0; i < CASES; i++) {
      tasks.push(async () => {
        const event = { case_ref: `CASE-${i}`, email: `case${i}@example.com`, team: 'it' }
        const key = { 'idempotency-key': `case-${i}` }
        const path = '/v1/events/case-closed'
        const first = await sent('case-closed', post(both[i % 2]!.base, path, event, key))
        if (first === undefined) return
        const other = both[(i + 1) % 2]!.base
        if (i < RETRIED) replays.push({ first, again: await post(other, path, event, key) })
      })
    }
    for (let i = 0; i < BATCHES; i++) {
      tasks.push(async () => {
        const invitations = Array.from({ length: BATCH_SIZE }, (_, j) => ({ email: `batch${i}-${j}@example.com` }))
        const path = `/v1/surveys/${mailed.id}/invitations/batch`
        const key = { 'idempotency-key': `batch-${i}` }
        const first = await sent('batch', post(both[(i + 1) % 2]!.base, path, { invitations }, key))
        if (first === undefined) return
        if (i < RETRIED) replays.push({ first, again: await post(both[i % 2]!.base, path, { invitations }, key) })
      })
    }
    // Interleaved, so that answers, events and batches are in flight together.
    const shuffled = tasks.map((task, i) => ({ task, k: (i * 7919) % tasks.length })).sort((x, y) => x.k - y.k)
    const started = Date.now()
    await pool(shuffled.map(x => x.task), CONCURRENCY)
    const seconds = (Date.now() - started) / 1000
    t.comment(`${tasks.length + DOUBLED} requests (+ ${replays.length} retries) over two instances in ` +
      `${seconds.toFixed(1)} s: answers ${JSON.stringify(statuses)}, failed ${JSON.stringify(failures)}`)
    t.same(failures, {}, 'no event or batch failed')

    t.equal(accepted.size, LINKS, 'every link took an answer')
    t.ok([...accepted.values()].every(n => n === 1), 'and only one, whichever instance received its submits')
    t.same(statuses, { 303: LINKS, 409: DOUBLED }, 'each second submit was refused with 409')
    t.equal(await scalar('SELECT count(*) FROM responses WHERE survey_id = $1', [survey.id]), LINKS, 'stored once each')
    t.equal(await scalar("SELECT count(*) FROM invitations WHERE survey_id = $1 AND status = 'answered'", [survey.id]),
      LINKS)
    const histogram = new Map<number, number>()
    tokens.forEach((_, i) => histogram.set(scoreOf(i), (histogram.get(scoreOf(i)) ?? 0) + 1))
    const stored = (await db.query('SELECT score, count(*) AS n FROM responses WHERE survey_id = $1 GROUP BY score',
      [survey.id])).rows as Array<{ score: number, n: number }>
    t.same(new Map(stored.map(r => [Number(r.score), Number(r.n)])), histogram, 'the scores stored are the scores sent')

    const sameReplay = replays.every(({ again }) => again.status < 300 &&
      again.headers.get('idempotent-replayed') === 'true')
    t.ok(sameReplay, 'a retry with its Idempotency-Key on the other instance is a replay')
    const replayed = await Promise.all(replays.map(async r =>
      JSON.stringify(await r.again.json()) === JSON.stringify(r.first)))
    t.ok(replayed.every(Boolean), 'with the first answer')

    const mails = CASES + BATCHES * BATCH_SIZE - (failures['case-closed 500'] ?? 0) -
      (failures['batch 500'] ?? 0) * BATCH_SIZE
    await smtp.waitFor(mails, 300_000).catch(() => {})
    await new Promise(resolve => setTimeout(resolve, 2_000)) // a second send would arrive by now
    const recipients = smtp.received.flatMap(m => m.envelope.to)
    t.equal(smtp.received.length, mails, `${mails} mails sent`)
    t.equal(new Set(recipients).size, mails, 'each to its own recipient: every mail sent once')
    t.equal(await scalar("SELECT count(*) FROM outbox WHERE state <> 'sent'"), 0, 'the outbox is done')
    const sentBy = await Promise.all(both.map(async s => s.lines.filter(l => l.includes('"mail sent"')).length))
    t.comment(`mail sent by instance: ${sentBy.join(' / ')}`)

    // Results: the same on both instances (no instance keeps anything another would not).
    const results = await Promise.all(both.map(async s =>
      await json(await fetch(`${s.base}/v1/surveys/${survey.id}/results`, { headers }))))
    t.same(results[0], results[1], 'both instances give the same results')
    const scores = tokens.map((_, i) => scoreOf(i))
    const nps = Math.round((scores.filter(s => s >= 9).length - scores.filter(s => s <= 6).length) / LINKS * 100)
    // Today's answers wait for the day's end (pending), so count both.
    t.equal(results[0].responses + results[0].pending_responses, LINKS, 'over every answer')
    t.comment(`results: ${JSON.stringify(results[0]).slice(0, 300)} (NPS from the scores sent: ${nps})`)
  })

  await t.test('SIGKILL of one instance under load loses no acknowledged answer', async t => {
    const killSurvey = await json(await post(b.base, '/v1/surveys', { name: 'K', kind: 'relationship', team: 'ops' }))
    const killTokens = await links(b.base, killSurvey.id, KILL_LINKS)
    const outcome = new Map<string, 'acknowledged' | 'in-flight' | 'not-sent'>(killTokens.map(k => [k, 'not-sent']))
    let acknowledged = 0
    let killed = false
    const refused: Record<number, number> = {} // fresh links refused before the kill: none expected
    const tasks = killTokens.map((token, i) => async () => {
      const target = both[i % 2]!
      if (killed && target === a) return // a client no longer reaches the dead instance
      outcome.set(token, 'in-flight')
      let status: number
      try {
        status = await answer(target.base, token, i % 11)
      } catch {
        return // the connection died with the process: this answer's fate is unknown
      }
      if (status !== 303) {
        outcome.set(token, 'not-sent')
        refused[status] = (refused[status] ?? 0) + 1
        return
      }
      outcome.set(token, 'acknowledged')
      if (++acknowledged === KILL_LINKS / 4 && !killed) {
        killed = true
        a.child.kill('SIGKILL')
      }
    })
    await pool(tasks, CONCURRENCY / 2)
    t.same(await within(a.exited, 10_000, { code: null, signal: 'still running' }), { code: null, signal: 'SIGKILL' })

    t.same(refused, {}, 'no fresh link was refused')
    const acked = killTokens.filter(k => outcome.get(k) === 'acknowledged')
    const inFlight = killTokens.filter(k => outcome.get(k) === 'in-flight')
    const notSent = killTokens.filter(k => outcome.get(k) === 'not-sent')
    t.comment(`${acked.length} acknowledged, ${inFlight.length} in flight at the kill, ${notSent.length} not sent`)
    const stored = await scalar('SELECT count(*) FROM responses WHERE survey_id = $1', [killSurvey.id])
    t.ok(stored >= acked.length, `every acknowledged answer is stored (${stored} stored, ${acked.length} acknowledged)`)
    t.ok(stored <= acked.length + inFlight.length, 'and nothing that was never sent')

    // The survivor: every acknowledged link says 409; an in-flight one was recorded (409) or takes it now.
    const again = await Promise.all(acked.map(k => answer(b.base, k, 5)))
    t.ok(again.every(s => s === 409), 'every acknowledged link answers 409 on the other instance')
    const retried = await Promise.all(inFlight.map(k => answer(b.base, k, 5)))
    t.ok(retried.every(s => s === 409 || s === 303), 'an in-flight link answers 409 or takes its answer now')
    t.equal(stored, acked.length + retried.filter(s => s === 409).length, 'stored = acknowledged + recorded in flight')
    const late: number[] = []
    await pool(notSent.map(k => async () => { late.push(await answer(b.base, k, 5)) }), 8)
    t.ok(late.every(s => s === 303), 'the links never sent take their answer on the survivor')
    t.equal(await scalar('SELECT count(*) FROM responses WHERE survey_id = $1', [killSurvey.id]), KILL_LINKS,
      'in the end, one answer per link')
    t.equal(await scalar("SELECT count(*) FROM invitations WHERE survey_id = $1 AND status = 'answered'",
      [killSurvey.id]), KILL_LINKS, 'each stored answer used up its link')
    t.equal((await fetch(`${b.base}/readyz`)).status, 200, 'the survivor stays ready')
  })

  await t.test('readiness fails when the database is unreachable; liveness does not', async t => {
    process.kill(cluster.pid, 'SIGINT') // PostgreSQL's fast shutdown
    const deadline = Date.now() + 30_000
    let status = 200
    while (status === 200 && Date.now() < deadline) {
      status = (await fetch(`${b.base}/readyz`)).status
      if (status === 200) await new Promise(resolve => setTimeout(resolve, 100))
    }
    t.equal(status, 503, '/readyz answers 503')
    t.equal((await fetch(`${b.base}/healthz`)).status, 200, '/healthz still answers 200')
  })
})
