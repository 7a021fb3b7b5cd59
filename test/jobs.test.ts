import { setTimeout as sleep } from 'node:timers/promises'
import { sql } from 'drizzle-orm'
import t from 'tap'
import { build, testClock } from './helpers/build.js'
import { captureLogs } from './helpers/logs.js'
import { parseMetrics, sampleValue } from './helpers/prometheus.js'
import { createSurvey, invite, rows, type App } from './helpers/puls.js'
import { run as dbRun } from '../src/db/dialect.js'

// The timers under test fire every 50 ms. Every wait is bounded: generous, for a loaded 2-core
// machine, but a timer that never fires fails the test instead of hanging it.
const FAST = { SWEEP_INTERVAL_SECONDS: '0.05' }

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
  t.match(failed[0], { level: 50, job: 'sweep', err: { message: /no such table: idempotency_keys/ } })
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
