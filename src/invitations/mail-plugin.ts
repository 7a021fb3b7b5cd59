import fp from 'fastify-plugin'
import type { Tx } from '../db/client.js'
import type { SurveyRow } from '../surveys/tables.js'
import { invitationDelivery, queuedInvitationMail } from './mail.js'
import { queueReminders } from './reminders.js'
import type { InvitationRow } from './tables.js'

export interface InvitationMail {
  /** Queues e-mail invitations' mail in the caller's transaction (`InviteContext.mail`). */
  queue: (tx: Tx, survey: SurveyRow, invitations: Array<{ invitation: InvitationRow, token: string }>) => Promise<void>
  /** Queues the reminders due now (also done every minute); returns how many. */
  remind: () => Promise<number>
}

declare module 'fastify' {
  interface FastifyInstance {
    invitationMail: InvitationMail
  }
}

/**
 * Invitations' mail through the generic outbox (docs/mail.md): their messages and reminders, and
 * their status following delivery. Due reminders are queued by `remind`, which the reminders job
 * runs every minute (src/plugins/jobs.ts), as the sweep job ends invitations past their expiry.
 */
export default fp(async (fastify) => {
  const { outbox, store, clock } = fastify
  outbox.addDeliveryHooks(invitationDelivery(outbox.compose))
  fastify.decorate('invitationMail', {
    queue: async (tx, _survey, invitations) => {
      await outbox.enqueueAll(tx, invitations.map(i => queuedInvitationMail(i.invitation, i.token, 'invitation')))
    },
    remind: () => queueReminders(store, { enqueue: outbox.enqueue }, clock.now())
  } satisfies InvitationMail)
}, { name: 'invitation-mail', dependencies: ['config', 'db', 'outbox'] })
