import { inArray, sql } from 'drizzle-orm'
import { Counter, Gauge, type Registry } from 'prom-client'
import type { DbOrTx } from '../db/client.js'
import { tables } from '../db/dialect.js'
import { MAIL_PURPOSES, type MailPurpose } from './tables.js'

export type MailOutcome = 'sent' | 'retry' | 'failed'

/**
 * Mail metrics (README, "Operating"): outcomes per purpose as they happen, and what waits in
 * the outbox, counted at scrape time. Labels come from fixed sets only.
 */
export function mailMetrics (registry: Registry, db: DbOrTx): (outcome: MailOutcome, purpose: MailPurpose) => void {
  const outcomes = new Counter({
    name: 'puls_mail_attempts_total',
    help: 'Mail send attempts by outcome (sent, retry: failed and tried again later, failed: given up) and purpose',
    labelNames: ['outcome', 'purpose'] as const,
    registers: [registry]
  })
  for (const purpose of MAIL_PURPOSES) {
    for (const outcome of ['sent', 'retry', 'failed'] as const) outcomes.inc({ outcome, purpose }, 0)
  }
  registry.registerMetric(
    new Gauge({
      name: 'puls_outbox_mails',
      help: 'Mails in the outbox not yet settled: pending (due now or later) and sending',
      labelNames: ['state'] as const,
      registers: [],
      async collect () {
        const { outbox } = tables(db)
        const counts = await db
          .select({ state: outbox.state, n: sql<number>`count(*)` })
          .from(outbox)
          .where(inArray(outbox.state, ['pending', 'sending']))
          .groupBy(outbox.state)
        for (const state of ['pending', 'sending'] as const) {
          this.set({ state }, counts.find(c => c.state === state)?.n ?? 0)
        }
      }
    })
  )
  return (outcome, purpose) => outcomes.inc({ outcome, purpose })
}
