import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { Counter, Gauge } from 'prom-client'
import { purgeAudit } from '../audit/service.js'
import { eq } from 'drizzle-orm'
import type { Db, DbOrTx } from '../db/client.js'
import { tables } from '../db/dialect.js'
import type { JobName } from '../db/postgres/locks.js'
import { sweep } from '../invitations/service.js'
import { decideAhead } from '../results/engine/decide-ahead.js'
import { forgetReleasedClients } from '../results/engine/forget-clients.js'
import { purge } from '../retention/service.js'

/**
 * A periodic maintenance task: a plain function of the database and the time, which tests call
 * directly with a test clock. It answers what it did as counts (logged when any is non-zero).
 */
export interface Job {
  name: JobName
  /** Time from the end of one run to the start of the next; 0 turns the job off. */
  everyMs: number
  /** Delay of the first run after the service is ready. */
  firstAfterMs: number
  run: (db: Db, now: Date) => Record<string, number> | Promise<Record<string, number>>
  /**
   * `instance`: the job fills this instance's memory, so every instance runs it. Otherwise (the
   * default) it changes the shared database and runs once per period across instances.
   */
  scope?: 'shared' | 'instance'
}

// A run may start this much before its period is over (timers drift, runs take time) and still
// count as the next period's; two instances' runs of one period still never both start.
const PERIOD_SLACK = 0.9

/**
 * Claims the job's current period: true when no instance started a run of it within the period
 * (the start time is kept in `settings`, so a dead instance's claim simply runs out). Called under
 * the job's lock (store.exclusive), so two instances never claim the same period
 * (docs/postgres.md, "Several instances").
 */
export async function claimPeriod (db: DbOrTx, job: Job, nowMs: number): Promise<boolean> {
  const { settings } = tables(db)
  const key = `job_started:${job.name}`
  const [row] = await db.select().from(settings).where(eq(settings.key, key)).limit(1)
  const last = Number(row?.value)
  if (Number.isFinite(last) && last <= nowMs && nowMs - last < job.everyMs * PERIOD_SLACK) return false
  await db.insert(settings).values({ key, value: String(nowMs) })
    .onConflictDoUpdate({ target: settings.key, set: { value: String(nowMs) } })
  return true
}

// Reminders go by the day, so a minute is prompt enough.
const REMINDERS_EVERY_MS = 60_000
// Months complete at a day's change: deciding them within ten minutes is soon enough. The first
// run comes right after start-up, since a restart forgets every kept decision.
const DECIDE_AHEAD_EVERY_MS = 600_000
const DECIDE_AHEAD_FIRST_AFTER_MS = 1_000

/** The service's maintenance jobs, as configured. */
export function maintenanceJobs (fastify: FastifyInstance): Job[] {
  const { config } = fastify
  return [
    // Ends expired invitations and erases their addresses (docs/anonymity.md) even when nobody opens them.
    { name: 'sweep', everyMs: config.sweepIntervalMs, firstAfterMs: config.sweepIntervalMs, run: sweep },
    {
      name: 'retention',
      everyMs: config.retentionIntervalMs,
      // A service restarted more often than daily must still purge: the first run comes with the
      // first sweep (queued behind it, so the invitations it just ended may go), not a day later.
      firstAfterMs: Math.min(config.retentionIntervalMs, config.sweepIntervalMs || 300_000),
      run: async (_db, now) => ({ ...await purge(fastify.store, now, config.retention) })
    },
    // The audit trail keeps AUDIT_RETAIN_DAYS (docs/access.md); checked with the answers' retention.
    {
      name: 'audit-retention',
      everyMs: config.retentionIntervalMs,
      firstAfterMs: Math.min(config.retentionIntervalMs, config.sweepIntervalMs || 300_000),
      run: (db, now) => purgeAudit(db, now, config.auditRetainDays)
    },
    // Queues the one reminder of invitations whose reminder_after_days has come.
    {
      name: 'reminders',
      everyMs: REMINDERS_EVERY_MS,
      firstAfterMs: REMINDERS_EVERY_MS,
      run: async () => ({ queued: await fastify.invitationMail.remind() })
    },
    // Decides complete months for questions about attributes before they are asked (docs/results.md).
    {
      name: 'decide-ahead',
      everyMs: DECIDE_AHEAD_EVERY_MS,
      firstAfterMs: DECIDE_AHEAD_FIRST_AFTER_MS,
      // It only reads, into this instance's memory; each instance decides the same cells
      // (a complete month never changes), so each warms its own (docs/postgres.md).
      scope: 'instance',
      run: (db, now) => decideAhead(db, fastify.decidedMonths, now)
    },
    // Erases the keys of collector clients whose blocks are released (docs/anonymity.md), on the
    // sweep's interval: it erases addresses too.
    {
      name: 'forget-clients',
      everyMs: config.sweepIntervalMs,
      firstAfterMs: config.sweepIntervalMs,
      run: async (_db, now) => await forgetReleasedClients(fastify.store, now)
    },
    // Announces new release blocks and target crossings to webhook subscribers (docs/integrations.md).
    {
      name: 'webhook-watch',
      everyMs: config.webhooks.watchIntervalMs,
      firstAfterMs: config.webhooks.watchIntervalMs,
      run: () => fastify.webhooks.watch()
    }
  ]
}

/**
 * Runs the maintenance jobs inside the service on timers: each job's next run is scheduled only
 * once its previous run has finished, so runs of a job never overlap; a failed run is logged and
 * the job tries again at its next interval. A shared job runs under its lock and only when its
 * period is unclaimed, so several instances on one database run it once per period; otherwise the
 * run is `skipped` (docs/postgres.md, "Several instances"). Timers are unref'd (they never keep the process
 * alive) and stopped when the app closes, after waiting for a run in progress, so no job ever
 * touches a closed database.
 */
export default fp(async (fastify) => {
  const { store, clock, log, metrics } = fastify
  const runs = new Counter({
    name: 'puls_job_runs_total',
    help: 'Runs of the background maintenance jobs, by job and outcome (ok, failed, skipped: ' +
      'another instance runs it or ran it this period)',
    labelNames: ['job', 'outcome'] as const,
    registers: [metrics.registry]
  })
  const lastSuccess = new Gauge({
    name: 'puls_job_last_success_timestamp_seconds',
    help: 'When each background maintenance job last finished without error (Unix time); alert when it falls behind',
    labelNames: ['job'] as const,
    registers: [metrics.registry]
  })

  const jobs = maintenanceJobs(fastify).filter(job => job.everyMs > 0)
  const timers = new Map<string, NodeJS.Timeout>()
  let running: Promise<void> | undefined
  let stopped = false

  async function runOnce (job: Job): Promise<void> {
    const started = performance.now()
    try {
      const outcome = job.scope === 'instance'
        ? { ran: true as const, value: await job.run(store.db, clock.now()) }
        : await store.exclusive(job.name, async () =>
          await claimPeriod(store.db, job, Date.now()) ? await job.run(store.db, clock.now()) : undefined)
      const result = outcome.ran ? outcome.value : undefined
      if (result === undefined) {
        runs.inc({ job: job.name, outcome: 'skipped' })
        log.debug({ job: job.name }, 'maintenance job skipped: another instance runs it or ran it this period')
        return
      }
      runs.inc({ job: job.name, outcome: 'ok' })
      lastSuccess.set({ job: job.name }, Date.now() / 1000)
      const ms = Math.round(performance.now() - started)
      if (Object.values(result).some(n => n > 0)) log.info({ job: job.name, ...result, ms }, 'maintenance job done')
      else log.debug({ job: job.name, ms }, 'maintenance job done, nothing to do')
    } catch (err) {
      runs.inc({ job: job.name, outcome: 'failed' })
      log.error({ err, job: job.name }, 'maintenance job failed; it runs again at its next interval')
    }
  }

  function schedule (job: Job, delayMs: number): void {
    const timer = setTimeout(() => {
      if (stopped) return
      // Another job's run may be in progress: jobs queue behind each other, never interleave.
      running = (running ?? Promise.resolve()).then(() => stopped ? undefined : runOnce(job)).finally(() => {
        if (!stopped) schedule(job, job.everyMs)
      })
    }, delayMs)
    timer.unref()
    timers.set(job.name, timer)
  }

  fastify.addHook('onReady', async () => {
    for (const job of jobs) schedule(job, job.firstAfterMs)
  })
  // preClose runs before any onClose hook, so the database is still open for a run in progress.
  fastify.addHook('preClose', async () => {
    stopped = true
    for (const timer of timers.values()) clearTimeout(timer)
    await running
  })
}, { name: 'jobs', dependencies: ['config', 'db', 'metrics', 'invitation-mail', 'decided-months', 'webhooks'] })
