import type { FastifyBaseLogger } from 'fastify'
import type { DbHandle } from '../db/client.js'
import { newId } from '../ids.js'
import type { Clock } from '../clock.js'
import * as repo from './repository.js'
import { send } from './sender.js'
import { signedHeaders } from './sign.js'
import type { DeliveryRow } from './tables.js'

export interface WebhookWorkerOptions {
  pollMs: number
  batchSize: number
  /** Longer than any one attempt may take (the send timeout). */
  leaseMs: number
  timeoutMs: number
  maxAttempts: number
  retryMinMs: number
  retryMaxMs: number
  allowedHosts: string[] | undefined
}

/** Exponential backoff: min, 2·min, 4·min, … capped at max; null once the attempts are used up. */
type RetryOptions = Pick<WebhookWorkerOptions, 'maxAttempts' | 'retryMinMs' | 'retryMaxMs'>

export function webhookRetryDelay (o: RetryOptions, attempts: number): number | null {
  if (attempts >= o.maxAttempts) return null
  return Math.min(o.retryMaxMs, o.retryMinMs * 2 ** Math.max(0, attempts - 1))
}

/**
 * Delivers the webhook outbox, as the mail worker delivers mail (src/mail/worker.ts): rows are
 * claimed with a lease in one statement, so two workers never send one row at once and a dead
 * worker's rows go out again when the lease runs out; each attempt is signed afresh (Standard
 * Webhooks: same id, new timestamp) and recorded. When a delivery has used up its attempts
 * (about a day with the defaults), its subscription is disabled with the reason.
 */
export class WebhookWorker {
  private readonly leaseId = newId('lease')
  private timer: NodeJS.Timeout | undefined
  private chain: Promise<unknown> = Promise.resolve()
  private stopping = false

  constructor (
    private readonly deps: { store: DbHandle, clock: Clock, log: FastifyBaseLogger, options: WebhookWorkerOptions }
  ) {}

  start (): void { this.schedule(0) }

  wake (): void { if (!this.stopping) this.schedule(0) }

  /** Delivers everything due now; resolves with how many attempts were made. */
  flush (): Promise<number> {
    const next = this.chain.then(() => this.drain())
    this.chain = next.catch(() => undefined)
    return next
  }

  async stop (): Promise<void> {
    this.stopping = true
    clearTimeout(this.timer)
    await this.chain
    try {
      await repo.releaseLeases(this.deps.store.db, this.leaseId)
    } catch (err) {
      // Held rows go out again when their lease runs out.
      this.deps.log.error({ err }, 'could not hand unfinished webhooks back to the outbox')
    }
  }

  private schedule (delay: number): void {
    if (this.stopping) return
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.flush()
        .catch(err => this.deps.log.error({ err }, 'webhook worker failed; trying again at the next poll'))
        .finally(() => this.schedule(this.deps.options.pollMs))
    }, delay)
    this.timer.unref()
  }

  private async drain (): Promise<number> {
    let attempts = 0
    while (!this.stopping) {
      const { store, clock, options } = this.deps
      const now = clock.now()
      const leaseUntil = new Date(now.getTime() + options.leaseMs)
      const rows = await store.transaction(tx =>
        repo.claimDue(tx, now, this.leaseId, leaseUntil, options.batchSize))
      if (rows.length === 0) break
      await Promise.all(rows.map(row => this.deliver(row)))
      attempts += rows.length
    }
    return attempts
  }

  private async deliver (row: DeliveryRow): Promise<void> {
    const { store, clock, log, options } = this.deps
    const subscription = await repo.findSubscription(store.db, row.subscriptionId)
    if (subscription === undefined) return
    const at = clock.now()
    const headers = signedHeaders(subscription.secret, row.id, at, row.body)
    const result = await send(subscription.url, row.body, headers, options)
    const now = clock.now()
    const ok = result.status !== null && result.status >= 200 && result.status < 300
    await store.transaction(async tx => {
      const { status, error: failure, durationMs } = result
      await repo.recordAttempt(tx, { deliveryId: row.id, at, status, error: failure, durationMs })
      if (ok) {
        await repo.markDelivered(tx, row.id, now)
        await repo.setFailures(tx, subscription.id, 0)
        return
      }
      const failures = ((await repo.findSubscription(tx, subscription.id))?.failures ?? 0) + 1
      await repo.setFailures(tx, subscription.id, failures)
      const error = result.error ?? 'failed'
      const delay = webhookRetryDelay(options, row.attempts)
      if (delay !== null) {
        await repo.markRetry(tx, row.id, this.leaseId, new Date(now.getTime() + delay), error)
        return
      }
      await repo.markFailed(tx, row.id, error)
      const since = row.createdAt.toISOString().slice(0, 10)
      const day = now.toISOString().slice(0, 10)
      await repo.disable(tx, subscription.id, `disabled on ${day}: ${row.attempts} attempts to ` +
        `deliver ${row.id} (${row.event}) failed since ${since}, ${failures} in a row; the last: ${error}. ` +
        `POST /v1/webhooks/${subscription.id}/enable after fixing it`)
    })
    if (ok) log.info({ webhook: subscription.id, delivery: row.id, event: row.event }, 'webhook delivered')
    else {
      const { id: delivery, event, attempts } = row
      log.warn({ webhook: subscription.id, delivery, event, attempts, error: result.error }, 'webhook not delivered')
    }
  }
}
