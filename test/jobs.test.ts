import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'drizzle-orm'
import pg from 'pg'
import t from 'tap'
import { build, onlyOn, testClock } from './helpers/build.js'
import { captureLogs } from './helpers/logs.js'
import { parseMetrics, sampleValue } from './helpers/prometheus.js'
import { createSurvey, invite, rows, type App } from './helpers/puls.js'
import { run as dbRun } from '../src/db/dialect.js'
import { JOB_LOCKS, LOCK_SPACE } from '../src/db/postgres/locks.js'

// The timers under test fire every 50 ms. Every wait is bounded: generous, for a loaded 2-core
// machine, but a timer that never fires fails the test instead of hanging it.
// RATE_LIMIT_MAX=0: the tests poll /metrics faster than a client may.
const FAST = { SWEEP_INTERVAL_SECONDS: '0.05', RATE_LIMIT_MAX: '0' }

async function until (what: string, done: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`gave up after ${ms} ms waiting for ${what}`)
    await sleep(20)
  }
}

async function jobRuns (app: App, job: string, outcome: string): Promise<number> {
  return sampleValue(parseMetrics((await app.inject({ url: '/metrics' })).body), 'puls_job_runs_total', {
    job,
    outcome
  })
}

const invitations = (app: App) =>
  rows<{ status: string; email: string | null }>(app, 'SELECT status, email FROM invitations ORDER BY email')

t.test('the service sweeps on its own: expired invitations end and lose their addresses', async t => {
  const clock = testClock('2026-03-02T09:00:00Z')
  const app = await build(t, { clock, env: FAST })
  const survey = await createSurvey(app, { link_ttl_days: 2, reminder_after_days: 1 })
  await invite(app, survey.id, { email: 'a@example.com' })
  await invite(app, survey.id, { email: 'b@example.com' })

  await app.outbox.flush() // the mail goes out (it may have already): sent, address kept to remind
  await until('two sweeps', async () => (await jobRuns(app, 'sweep', 'ok')) >= 2)
  t.same(
    await invitations(app),
    [
      { status: 'sent', email: 'a@example.com' },
      { status: 'sent', email: 'b@example.com' }
    ],
    'sweeps before the links expire change nothing'
  )

  clock.advanceDays(2)
  await until('the sweep to expire both', async () => (await invitations(app)).every(r => r.status === 'expired'))
  t.same(
    await invitations(app),
    [
      { status: 'expired', email: null },
      { status: 'expired', email: null }
    ],
    'nobody opened the links, yet the addresses are gone (docs/anonymity.md, promise 3)'
  )
  t.equal(await jobRuns(app, 'sweep', 'failed'), 0)
  const lastSuccess = sampleValue(
    parseMetrics((await app.inject({ url: '/metrics' })).body),
    'puls_job_last_success_timestamp_seconds',
    { job: 'sweep' }
  )
  t.ok(Math.abs(lastSuccess - Date.now() / 1000) < 60, 'the last success is a recent Unix time')
})

t.test('a failing run is logged, not thrown, and the job keeps its schedule', async t => {
  const logs = captureLogs()
  const app = await build(t, { env: FAST, logger: logs.logger })
  // A real failure: the sweep's second statement finds no table.
  await dbRun(app.store.db, sql`DROP TABLE idempotency_keys`)
  await until('two failed sweeps', async () => (await jobRuns(app, 'sweep', 'failed')) >= 2)
  const failed = logs.lines
    .map(l => JSON.parse(l) as { level: number; msg: string; job?: string; err?: { message: string } })
    .filter(e => e.msg.startsWith('maintenance job failed'))
  t.ok(failed.length >= 2, 'each failed run is logged')
  t.match(failed[0], { level: 50, job: 'sweep', err: { message: /idempotency_keys/ } })
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 200, 'the service keeps serving')
})

t.test('closing the app stops the timers before the database closes', async t => {
  const logs = captureLogs()
  const app = await build(t, { env: FAST, logger: logs.logger })
  await until('a sweep', async () => (await jobRuns(app, 'sweep', 'ok')) >= 1)
  await app.close()
  const linesAtClose = logs.lines.length
  await sleep(300)
  t.same(logs.lines.slice(linesAtClose), [], 'nothing ran after close (a run would fail on the closed database)')
  t.notOk(logs.lines.some(l => l.includes('maintenance job failed')))
})

t.test('SWEEP_INTERVAL_SECONDS=0: the service does not sweep', async t => {
  const clock = testClock('2026-03-02T09:00:00Z')
  const app = await build(t, { clock, env: { SWEEP_INTERVAL_SECONDS: '0' } })
  const survey = await createSurvey(app, { link_ttl_days: 2, reminder_after_days: 1 })
  await invite(app, survey.id, { email: 'a@example.com' })
  await app.outbox.flush()
  clock.advanceDays(3)
  await sleep(300)
  t.same(
    await invitations(app),
    [{ status: 'sent', email: 'a@example.com' }],
    'past its expiry, and still holding the address'
  )
  t.equal(await jobRuns(app, 'sweep', 'ok'), 0)
})

// Several instances on one PostgreSQL database (docs/postgres.md, "Several instances").
const SHARED = onlyOn('postgres', 'several instances share one PostgreSQL database; a SQLite file has one process')

t.test('two instances on one database sweep once per period between them', { skip: SHARED }, async t => {
  const env = { SWEEP_INTERVAL_SECONDS: '0.5' }
  const first = await build(t, { env })
  const second = await build(t, { env: { ...env, DATABASE_URL: first.config.postgres!.url } })
  const started = Date.now()
  const total = async (outcome: string): Promise<number> =>
    (await jobRuns(first, 'sweep', outcome)) + (await jobRuns(second, 'sweep', outcome))
  await until('six sweep attempts between them', async () => (await total('ok')) + (await total('skipped')) >= 6)
  const ok = await total('ok')
  const periods = (Date.now() - started) / 450 // a period may start 10 % early
  t.ok(ok <= Math.floor(periods) + 1, `${ok} sweeps ran in ${periods.toFixed(1)} periods: at most one per period`)
  t.ok(ok >= 2, 'and sweeps did run')
  t.ok(await total('skipped') >= 1, 'the other instance skipped its turn')
  t.equal(await total('failed'), 0)
})

t.test("while another instance runs a job, this one skips it; a dead instance's lock is given up",
  { skip: SHARED }, async t => {
    const clock = testClock('2026-03-02T09:00:00Z')
    const app = await build(t, { clock, env: FAST })
    const survey = await createSurvey(app, { link_ttl_days: 2 })
    await invite(app, survey.id, { channel: 'link' })

    // Another instance, as PostgreSQL sees it: a session that holds the sweep's lock. Sweeps that
    // ran here before it took the lock found nothing expired; the link expires only after.
    const other = new pg.Client({ connectionString: app.config.postgres!.url })
    await other.connect()
    t.teardown(() => other.end().catch(() => {}))
    await other.query('SELECT pg_advisory_lock($1, $2)', [LOCK_SPACE, JOB_LOCKS.sweep])
    // A sweep that had begun before the lock was taken ends first: wait past it.
    await sleep(200)
    const ran = await jobRuns(app, 'sweep', 'ok')
    clock.advanceDays(3)
    await until('three skipped sweeps', async () => (await jobRuns(app, 'sweep', 'skipped')) >= 3)
    t.equal(await jobRuns(app, 'sweep', 'ok'), ran, 'no sweep ran beside it')
    t.same(await invitations(app), [{ status: 'sent', email: null }], 'the expired link is not swept yet')

    // It dies: PostgreSQL ends its session (as when its process is killed) and with it the lock.
    const pid = (await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid
    other.on('error', () => {})
    await dbRun(app.store.db, sql`SELECT pg_terminate_backend(${pid})`)
    await until('the sweep to run here', async () => (await invitations(app))[0]?.status === 'expired')
    t.ok(await jobRuns(app, 'sweep', 'ok') > ran)
  })
