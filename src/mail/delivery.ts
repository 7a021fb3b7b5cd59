import { and, eq } from 'drizzle-orm'
import { invitations } from '../invitations/tables.js'
import { coarsenToDay } from '../responses/coarsen.js'
import type { DeliveryHooks } from './worker.js'

/**
 * An invitation's status follows its mail (SPEC §3: queued, sent, failed). `delivered_on`, the
 * response-rate denominator, is the UTC day the server took the mail. A mail given up ends the
 * need for the address: no reminder can follow a mail that never arrived.
 */
export const invitationDelivery: DeliveryHooks = {
  sent: (tx, mail, now) => {
    if (mail.purpose !== 'invitation' || mail.invitationId === null) return
    tx.update(invitations).set({ status: 'sent', deliveredOn: coarsenToDay(now) })
      .where(and(eq(invitations.id, mail.invitationId), eq(invitations.status, 'queued'))).run()
  },
  failed: (tx, mail) => {
    if (mail.purpose !== 'invitation' || mail.invitationId === null) return
    tx.update(invitations).set({ status: 'failed', email: null })
      .where(and(eq(invitations.id, mail.invitationId), eq(invitations.status, 'queued'))).run()
  }
}
