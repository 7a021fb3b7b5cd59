import type { FastifyBaseLogger } from 'fastify'
import type { Clock } from '../clock.js'
import type { DbHandle, DbOrTx, Tx } from '../db/client.js'
import type { RenderedMail } from './compose.js'
import { newId } from '../ids.js'
import * as repo from './repository.js'
import { describeFailure, isPermanent, retryDelay, type RetryPolicy } from './retry.js'
import type { MailOutcome } from './metrics.js'
import type { MailPurpose, OutboxRow } from './tables.js'
import type { MailTransport } from './transport.js'

const RECHECK_FIRST_MS = 20

export interface WorkerOptions {
  /** How often the outbox is looked at when nobody wakes the worker. */
  pollMs: number
  /** Rows claimed at once; the pooled transport sends them over its connections in parallel. */
  batchSize: number
  /** How long a claim holds a row. Longer than any one send may take (see SMTP_TIMEOUTS). */
  leaseMs: number
  /** At shutdown, how long in-flight sends may take before they are aborted and released. */
  shutdownMs: number
  retry: RetryPolicy
}

/** What other domains do around delivery, inside the worker's transactions. */
export interface DeliveryHooks {
  /** Before each claim: cancel those of the due rows `ids` that may no longer go out. */
  beforeClaim?: (db: DbOrTx, now: Date, ids: string[]) => Promise<void>
  /** In the transaction that records a mail as sent (a group commit's, src/db/group-commit.ts). */
  sent?: (tx: DbOrTx, mail: OutboxRow, now: Date) => Promise<void>
  /** In the transaction that gives a mail up. */
  failed?: (tx: Tx, mail: OutboxRow, now: Date) => Promise<void>
  /**
   * Renders a mail queued as its token (`DeferredQueuedMail`) just before it is sent; undefined
   * when the mail is not this domain's.
   */
  render?: (db: DbOrTx, mail: OutboxRow & { token: string }) => Promise<RenderedMail | undefined>
}

export interface WorkerDeps {
  store: DbHandle
  transport: MailTransport
  clock: Clock
  log: FastifyBaseLogger
  options: WorkerOptions
  hooks?: DeliveryHooks
  /** Told each outcome once it is recorded (metrics). */
  observe?: (outcome: MailOutcome, purpose: MailPurpose) => void
}

/**
 * Sends what the outbox holds. Delivery is exactly-once as far as SMTP allows:
 *
 * - A row is claimed (state `sending`, a lease with this worker's id) in one statement, so two
 *   workers never send the same row; a worker that dies leaves a lease that runs out, and the row
 *   is sent again then.
 * - A row becomes `sent` only after the server accepted the mail. It is recorded by the store's
 *   group commit (src/db/group-commit.ts) two event-loop turns after the server's "250 OK",
 *   together with the other mails (and answers) of those turns: one fsync for many mails instead
 *   of one each, which is what sending cost most of (BENCHMARKS.md, "E-mail invitations").
 * - The one window SMTP leaves open: a crash after the server accepted and before that commit
 *   (a millisecond or so: two turns and one fsync) sends the mail again when the lease runs out. The resent mail
 *   carries the same Message-ID (derived from the row id), so mail systems that deduplicate by it
 *   show it once. Resending is the right side to err on: a crash during the SMTP conversation,
 *   which takes far longer than the commit, means the mail did not arrive.
 * - At shutdown the worker stops claiming, lets in-flight sends finish for `shutdownMs`, then
 *   aborts the rest and hands their rows back (`pending`) for the next start.
 */
export class OutboxWorker {
  readonly leaseId = newId('lease')
  private timer: NodeJS.Timeout | undefined
  private chain: Promise<unknown> = Promise.resolve()
  private readonly inflight = new Map<string, AbortController>()
  private running = false
  private wanted = false
  private stopping = false
  private closed = false
  // A wake comes from inside the transaction that queues the mail, which on PostgreSQL may not
  // have committed when the worker looks (on SQLite it has): after a wake that found nothing,
  // the worker looks again soon, at doubling intervals, before it falls back to polling.
  private recheckMs: number | undefined

  constructor (private readonly deps: WorkerDeps) {}

  /** Starts polling. */
  start (): void {
    this.schedule(0)
  }

  /** Looks at the outbox now, e.g. right after a mail was queued. */
  wake (): void {
    // A batch of 10,000 invitations wakes the worker 10,000 times in one transaction: once is enough.
    if (this.wanted) return
    this.wanted = true
    this.recheckMs = RECHECK_FIRST_MS
    if (!this.running) this.schedule(0)
  }

  /** Sends everything due now (and retries that fall due meanwhile); resolves with how many rows were settled. */
  flush (): Promise<number> {
    const next = this.chain.then(() => this.drain())
    this.chain = next.catch(() => undefined)
    return next
  }

  /** Stops claiming, waits (bounded) for in-flight sends, aborts and releases the rest. */
  async stop (): Promise<void> {
    this.stopping = true
    clearTimeout(this.timer)
    if (!(await settledWithin(this.chain, this.deps.options.shutdownMs))) {
      this.deps.log.warn({ inflight: this.inflight.size }, 'mail still sending at shutdown; aborting and requeueing it')
      for (const controller of this.inflight.values()) controller.abort()
      await settledWithin(this.chain, 2000)
    }
    // Whatever is still held (a send that ignored its abort) goes back to the queue.
    const released = await this.record(() => repo.releaseLeases(this.deps.store.db, this.leaseId)) ?? 0
    if (released > 0) this.deps.log.info({ released }, 'unfinished mail handed back to the outbox')
    this.closed = true
  }

  private schedule (delay: number): void {
    if (this.stopping) return
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.run().catch(err => this.deps.log.error({ err }, 'outbox worker stopped unexpectedly'))
    }, delay)
    // The outbox never keeps a process alive on its own; the server's listener does.
    this.timer.unref()
  }

  private async run (): Promise<void> {
    this.running = true
    let settled = 0
    try {
      do {
        this.wanted = false
        settled += await this.flush().catch(err => {
          this.deps.log.error({ err }, 'outbox worker failed; trying again at the next poll')
          return 0
        })
      } while (this.wanted && !this.stopping)
    } finally {
      this.running = false
      this.schedule(this.nextLook(settled))
    }
  }

  /** When to look again: soon after a wake that found nothing (see `recheckMs`), else at the next poll. */
  private nextLook (settled: number): number {
    const { pollMs } = this.deps.options
    const recheck = this.recheckMs
    if (recheck === undefined || settled > 0 || recheck >= pollMs) {
      this.recheckMs = undefined
      return pollMs
    }
    this.recheckMs = recheck * 2
    return recheck
  }

  private async drain (): Promise<number> {
    let settled = 0
    while (!this.stopping) {
      const { store, clock, options } = this.deps
      const now = clock.now()
      const due = await repo.dueIds(store.db, now, options.batchSize)
      if (due.length > 0) await this.deps.hooks?.beforeClaim?.(store.db, now, due)
      // The claim alone decides who sends a row (see repo.claim): no transaction around it, so
      // on PostgreSQL it runs read committed and skips what another instance is claiming.
      const rows = await repo.claim(store.db, due, now, this.leaseId, new Date(now.getTime() + options.leaseMs))
      if (due.length === 0) break
      await Promise.all(rows.map(row => this.deliver(row)))
      settled += rows.length
    }
    return settled
  }

  /** Sends one claimed row and records the outcome. Never rejects. */
  private async deliver (row: OutboxRow): Promise<void> {
    const { transport, clock, log, options, hooks, store } = this.deps
    const controller = new AbortController()
    this.inflight.set(row.id, controller)
    try {
      const message = await this.messageOf(row)
      if (row.recipient === null || message === undefined) throw new Error('the queued message is incomplete')
      await transport.send({ id: row.id, to: row.recipient, ...message, signal: controller.signal })
      // Accepted: recorded in the next group commit, with the other mails accepted meanwhile
      // (see the class comment).
      const now = clock.now()
      await this.recordGrouped(async tx => {
        if (await repo.markSent(tx, row.id, now)) await hooks?.sent?.(tx, row, now)
      })
      this.deps.observe?.('sent', row.purpose)
      log.info({ mail: row.id, purpose: row.purpose, attempts: row.attempts }, 'mail sent')
    } catch (err) {
      if (controller.signal.aborted) {
        await this.record(() => repo.releaseLeases(store.db, this.leaseId, [row.id]))
        return
      }
      const error = describeFailure(err)
      const delay = isPermanent(err) ? null : retryDelay(options.retry, row.attempts)
      const now = clock.now()
      if (delay === null) {
        await this.record(() =>
          store.transaction(async tx => {
            if (await repo.markFailed(tx, row.id, this.leaseId, error)) await hooks?.failed?.(tx, row, now)
          })
        )
        this.deps.observe?.('failed', row.purpose)
        log.error({ mail: row.id, purpose: row.purpose, attempts: row.attempts, error }, 'mail given up')
      } else {
        await this.record(() => repo.markRetry(store.db, row.id, this.leaseId, new Date(now.getTime() + delay), error))
        this.deps.observe?.('retry', row.purpose)
        log.warn(
          { mail: row.id, purpose: row.purpose, attempts: row.attempts, error, retryInMs: delay },
          'mail not sent; will retry'
        )
      }
    } finally {
      this.inflight.delete(row.id)
    }
  }

  /** The row's message: as stored, or rendered now from its token. */
  private async messageOf (row: OutboxRow): Promise<RenderedMail | undefined> {
    if (row.subject !== null && row.text !== null && row.html !== null) {
      return { subject: row.subject, text: row.text, html: row.html, headers: row.headers ?? {} }
    }
    if (row.token === null) return undefined
    return await this.deps.hooks?.render?.(this.deps.store.db, { ...row, token: row.token })
  }

  /** The same through the store's group commit: one transaction and fsync for many mails. */
  private async recordGrouped (write: (tx: DbOrTx) => Promise<void>): Promise<void> {
    if (this.closed) return
    try {
      await this.deps.store.writes.run(write)
    } catch (err) {
      this.deps.log.error({ err }, 'could not record a mail outcome; the row is retried when its lease runs out')
    }
  }

  /** Runs a database write unless the database is gone; a failure is logged, never thrown. */
  private async record<T>(write: () => Promise<T>): Promise<T | undefined> {
    if (this.closed) return undefined
    try {
      return await write()
    } catch (err) {
      this.deps.log.error({ err }, 'could not record a mail outcome; the row is retried when its lease runs out')
      return undefined
    }
  }
}

async function settledWithin (promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>(resolve => {
    timer = setTimeout(() => resolve(false), ms)
  })
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true
      ),
      timeout
    ])
  } finally {
    clearTimeout(timer)
  }
}
