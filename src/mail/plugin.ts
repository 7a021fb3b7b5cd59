import fp from 'fastify-plugin'
import type { DbOrTx, Tx } from '../db/client.js'
import type { InvitationRow } from '../invitations/tables.js'
import { templatesDir as builtInDir } from '../paths.js'
import type { SurveyRow } from '../surveys/tables.js'
import { createComposer, type Composer } from './compose.js'
import { invitationDelivery, invitationMail } from './invitations.js'
import { mailMetrics } from './metrics.js'
import { queueReminders } from './reminders.js'
import { enqueueMail, enqueueMails, type QueuedMail } from './repository.js'
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
  /** Queues e-mail invitations' mail in the caller's transaction (the invitations' `InviteContext.mail`). */
  queueInvitations: (tx: Tx, survey: SurveyRow, invitations: Array<{ invitation: InvitationRow, token: string }>) => void
  /** Queues the reminders due now (also done every minute); returns how many. */
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
// the 10 s grace the server gives the whole close.
const WORKER = { batchSize: 50, leaseMs: 5 * 60_000, shutdownMs: 5000 }

/**
 * The durable outbox and its worker, which starts with the service and stops before the database
 * closes. Due reminders are queued by `remind`, which the reminders job runs every minute
 * (src/plugins/jobs.ts), as the sweep job ends invitations past their link's expiry.
 */
export const outboxPlugin = fp(async (fastify) => {
  const { config, store, clock } = fastify
  const worker = new OutboxWorker({
    store,
    transport: fastify.mailer,
    clock,
    log: fastify.log.child({ component: 'outbox' }),
    hooks: invitationDelivery,
    observe: mailMetrics(fastify.metrics.registry, store.db),
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
    const row = enqueueMail(tx, mail, clock.now())
    worker.wake()
    return row
  }
  const remind = (): number => queueReminders(store, { compose, enqueue }, clock.now())
  fastify.decorate('outbox', {
    compose,
    enqueue,
    queueInvitations: (tx, survey, invitations) => {
      if (invitations.length === 0) return
      enqueueMails(tx, invitations.map(i => invitationMail(compose, i.invitation, survey, i.token, 'invitation')), clock.now())
      worker.wake()
    },
    flush: () => worker.flush(),
    remind
  } satisfies Outbox)

  fastify.addHook('onReady', async () => worker.start())
  fastify.addHook('onClose', async () => worker.stop())
}, { name: 'outbox', dependencies: ['config', 'db', 'views', 'mailer', 'metrics'] })
