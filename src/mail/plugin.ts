import fp from 'fastify-plugin'
import type { DbOrTx, Tx } from '../db/client.js'
import { templatesDir as builtInDir } from '../paths.js'
import { createComposer, type Composer } from './compose.js'
import { mailMetrics } from './metrics.js'
import { enqueueMail, enqueueMails, type QueuedMail } from './repository.js'
import type { OutboxRow } from './tables.js'
import { createMailTransport, type MailTransport } from './transport.js'
import { OutboxWorker, type DeliveryHooks } from './worker.js'

export interface Outbox {
  /** Renders a survey mail in its locale, with the rating links and unsubscribe headers. */
  compose: Composer
  /** Queues a rendered mail inside the caller's transaction; it is sent once that commits. */
  enqueue: (tx: DbOrTx, mail: QueuedMail) => Promise<OutboxRow>
  /** Queues many rendered mails at once (a batch of invitations) inside the caller's transaction. */
  enqueueAll: (tx: Tx, mails: QueuedMail[]) => Promise<void>
  /**
   * What another domain does around delivery, inside the worker's transactions (an invitation's
   * status follows its mail). Given while the service starts, before the worker runs.
   */
  addDeliveryHooks: (hooks: DeliveryHooks) => void
  /** Sends everything due now; resolves with how many mails were settled (for tests and tools). */
  flush: () => Promise<number>
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
// the 10 s grace the server gives the whole close.
const WORKER = { batchSize: 50, leaseMs: 5 * 60_000, shutdownMs: 5000 }

/**
 * The durable outbox and its worker, which starts with the service and stops before the database
 * closes. Generic: what mail means for an invitation (its message, reminders, its status) lives
 * with the invitations (src/invitations/mail-plugin.ts), which use this one (docs/mail.md).
 */
export const outboxPlugin = fp(async (fastify) => {
  const { config, store, clock } = fastify
  const delivery: DeliveryHooks[] = []
  const worker = new OutboxWorker({
    store,
    transport: fastify.mailer,
    clock,
    log: fastify.log.child({ component: 'outbox' }),
    hooks: {
      beforeClaim: async (tx, now, ids) => { for (const h of delivery) await h.beforeClaim?.(tx, now, ids) },
      sent: async (tx, mail, now) => { for (const h of delivery) await h.sent?.(tx, mail, now) },
      failed: async (tx, mail, now) => { for (const h of delivery) await h.failed?.(tx, mail, now) },
      render: async (db, mail) => {
        for (const h of delivery) {
          const rendered = await h.render?.(db, mail)
          if (rendered !== undefined) return rendered
        }
        return undefined
      }
    },
    observe: mailMetrics(fastify.metrics.registry, store.db),
    options: {
      ...WORKER,
      pollMs: config.mailWorker.pollMs,
      retry: {
        minMs: config.mailWorker.retryMinMs,
        maxMs: config.mailWorker.retryMaxMs,
        maxAttempts: config.mailWorker.maxAttempts
      }
    }
  })
  const compose = createComposer({
    dirs: [config.templatesDir, builtInDir].filter((d): d is string => d !== undefined),
    render: fastify.render,
    publicUrl: config.publicUrl
  })

  const enqueue = async (tx: DbOrTx, mail: QueuedMail): Promise<OutboxRow> => {
    const row = await enqueueMail(tx, mail, clock.now())
    worker.wake()
    return row
  }
  fastify.decorate('outbox', {
    compose,
    enqueue,
    enqueueAll: async (tx, mails) => {
      if (mails.length === 0) return
      await enqueueMails(tx, mails, clock.now())
      worker.wake()
    },
    addDeliveryHooks: hooks => { delivery.push(hooks) },
    flush: () => worker.flush()
  } satisfies Outbox)

  fastify.addHook('onReady', async () => worker.start())
  fastify.addHook('onClose', async () => worker.stop())
}, { name: 'outbox', dependencies: ['config', 'db', 'views', 'mailer', 'metrics'] })
