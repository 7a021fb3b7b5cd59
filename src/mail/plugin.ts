import fp from 'fastify-plugin'
import type { DbOrTx } from '../db/client.js'
import { templatesDir as builtInDir } from '../paths.js'
import { createComposer, type Composer } from './compose.js'
import { invitationDelivery } from './delivery.js'
import { mailMetrics } from './metrics.js'
import { queueReminders } from './reminders.js'
import { enqueueMail, type QueuedMail } from './repository.js'
import type { OutboxRow } from './tables.js'
import { createMailTransport, type MailTransport } from './transport.js'
import { OutboxWorker } from './worker.js'

export interface Outbox {
  /** Renders a survey mail in its locale, with the rating links and unsubscribe headers. */
  compose: Composer
  /** Queues a rendered mail inside the caller's transaction; it is sent once that commits. */
  enqueue: (tx: DbOrTx, mail: QueuedMail) => OutboxRow
  /** Sends everything due now; resolves with how many mails were settled (for tests and tools). */
  flush: () => Promise<number>
  /** Queues the reminders due now (also run every minute); returns how many. */
  remind: () => number
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Where mail goes: SMTP_URL (pooled), or .eml files in the mail folder. */
    mailer: MailTransport
    outbox: Outbox
  }
}

/** The transport; closed last, ending any connection still open. */
export const mailerPlugin = fp(async (fastify) => {
  const transport = createMailTransport(fastify.config, fastify.log.child({ component: 'mail' }))
  fastify.decorate('mailer', transport)
  fastify.addHook('onClose', async () => transport.close({ force: true }))
}, { name: 'mailer', dependencies: ['config'] })

// A lease outlasts any one send (the SMTP timeouts in transport.ts); shutdown stays well inside
// the 10 s grace the server gives the whole close; reminders are due by the day, so a minute is prompt.
const WORKER = { batchSize: 50, leaseMs: 5 * 60_000, shutdownMs: 5000 }
const REMIND_EVERY_MS = 60_000

/** The durable outbox and its worker, which starts with the service and stops before the database closes. */
export const outboxPlugin = fp(async (fastify) => {
  const { config } = fastify
  const worker = new OutboxWorker({
    store: fastify.store,
    transport: fastify.mailer,
    clock: fastify.clock,
    log: fastify.log.child({ component: 'outbox' }),
    hooks: invitationDelivery,
    observe: mailMetrics(fastify.metrics.registry, fastify.store.db),
    options: {
      ...WORKER,
      pollMs: config.mailWorker.pollMs,
      retry: { minMs: config.mailWorker.retryMinMs, maxMs: config.mailWorker.retryMaxMs, maxAttempts: config.mailWorker.maxAttempts }
    }
  })
  const compose = createComposer({
    dirs: [config.templatesDir, builtInDir].filter((d): d is string => d !== undefined),
    render: fastify.render,
    publicUrl: config.publicUrl
  })

  const enqueue = (tx: DbOrTx, mail: QueuedMail): OutboxRow => {
    const row = enqueueMail(tx, mail, fastify.clock.now())
    worker.wake()
    return row
  }
  const remind = (): number => queueReminders(fastify.store, { compose, enqueue }, fastify.clock.now())
  fastify.decorate('outbox', { compose, enqueue, flush: () => worker.flush(), remind } satisfies Outbox)

  let reminders: NodeJS.Timeout | undefined
  fastify.addHook('onReady', async () => {
    worker.start()
    reminders = setInterval(() => {
      try {
        remind()
      } catch (err) {
        fastify.log.error({ err }, 'could not queue reminders; trying again in a minute')
      }
    }, REMIND_EVERY_MS)
    reminders.unref()
  })
  fastify.addHook('onClose', async () => {
    clearInterval(reminders)
    await worker.stop()
  })
}, { name: 'outbox', dependencies: ['config', 'db', 'views', 'mailer', 'metrics'] })
