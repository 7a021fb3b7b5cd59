import fp from 'fastify-plugin'
import type { DbOrTx } from '../db/client.js'
import { templatesDir as builtInDir } from '../paths.js'
import { createComposer, type Composer } from './compose.js'
import { enqueueMail, type QueuedMail } from './repository.js'
import type { OutboxRow } from './tables.js'
import { createMailTransport, type MailTransport } from './transport.js'
import { OutboxWorker, type DeliveryHooks, type WorkerOptions } from './worker.js'

export interface Outbox {
  /** Renders a survey mail in its locale, with the rating links and unsubscribe headers. */
  compose: Composer
  /** Queues a rendered mail inside the caller's transaction; it is sent once that commits. */
  enqueue: (tx: DbOrTx, mail: QueuedMail) => OutboxRow
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

export interface OutboxPluginOptions {
  /** Other domains' reactions to a sent or given-up mail (e.g. the invitation's status). */
  hooks?: DeliveryHooks
  worker?: Partial<Omit<WorkerOptions, 'pollMs' | 'retry'>>
}

/** The durable outbox and its worker, which starts with the service and stops before the database closes. */
export const outboxPlugin = fp<OutboxPluginOptions>(async (fastify, opts) => {
  const { config } = fastify
  const worker = new OutboxWorker({
    store: fastify.store,
    transport: fastify.mailer,
    clock: fastify.clock,
    log: fastify.log.child({ component: 'outbox' }),
    hooks: opts.hooks,
    options: {
      pollMs: config.mailWorker.pollMs,
      batchSize: 50,
      leaseMs: 5 * 60_000,
      shutdownMs: 5000,
      ...opts.worker,
      retry: { minMs: config.mailWorker.retryMinMs, maxMs: config.mailWorker.retryMaxMs, maxAttempts: config.mailWorker.maxAttempts }
    }
  })
  const compose = createComposer({
    dirs: [config.templatesDir, builtInDir].filter((d): d is string => d !== undefined),
    render: fastify.render,
    publicUrl: config.publicUrl
  })

  fastify.decorate('outbox', {
    compose,
    enqueue: (tx, mail) => {
      const row = enqueueMail(tx, mail, fastify.clock.now())
      worker.wake()
      return row
    },
    flush: () => worker.flush()
  } satisfies Outbox)
  fastify.addHook('onReady', async () => worker.start())
  fastify.addHook('onClose', async () => worker.stop())
}, { name: 'outbox', dependencies: ['config', 'db', 'views', 'mailer'] })
