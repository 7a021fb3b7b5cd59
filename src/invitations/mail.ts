import { and, eq, inArray, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.js'
import { preparedPerHandle } from '../db/prepared.js'
import type { Composer } from '../mail/compose.js'
import type { QueuedMail } from '../mail/repository.js'
import { outbox, type MailPurpose } from '../mail/tables.js'
import type { DeliveryHooks } from '../mail/worker.js'
import { coarsenToDay } from '../responses/coarsen.js'
import { DEFAULT_QUESTIONS, withDefaults } from '../surveys/defaults.js'
import type { SurveyRow } from '../surveys/tables.js'
import { invitations, optOuts, type InvitationRow } from './tables.js'

// What mail means for an invitation: its message, how its status follows the mail, and which
// queued mail may no longer go out. Invitations build on mail's generic outbox, never the other
// way round (docs/architecture.md, docs/mail.md).

/** An invitation's mail (or its reminder), in the invitation's locale, else the survey's. */
export function invitationMail (
  compose: Composer, invitation: InvitationRow, survey: SurveyRow, token: string, purpose: MailPurpose
): QueuedMail {
  if (invitation.email === null) throw new Error(`invitation ${invitation.id} has no address to send to`)
  const locale = invitation.locale ?? survey.defaultLocale
  const message = compose({
    purpose,
    kind: survey.kind,
    metric: survey.metric,
    locale,
    question: withDefaults(survey.question, DEFAULT_QUESTIONS[survey.metric])[locale],
    token,
    expiresAt: invitation.expiresAt,
    caseRef: invitation.caseRef
  })
  return { invitationId: invitation.id, purpose, recipient: invitation.email, ...message }
}

/**
 * An invitation's status follows its mail (docs/mail.md: queued, sent, failed). `delivered_on`, the
 * response-rate denominator, is the UTC day the server took the mail. A mail given up ends the
 * need for the address: no reminder follows a mail that never arrived.
 */
export const invitationDelivery: DeliveryHooks = {
  beforeClaim: (tx, now) => { cancelUnsendableMail(tx, { now }) },
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

/**
 * Cancels, and erases at once, queued mail that may no longer go out: an invitation's mail once
 * the invitation is no longer `queued` (cancelled, ended), a reminder once its invitation is not
 * `sent` any more (answered, cancelled, expired, survey closed), anything to a person who opted
 * out, and (given `now`) anything past its link's expiry. Called by every write that ends
 * invitations or records an opt-out (with `invitationIds` when it knows which, so an answer does
 * not scan the whole queue), and by the worker before each claim. Returns how many.
 */
export function cancelUnsendableMail (db: DbOrTx, opts: { now?: Date, invitationIds?: string[] } = {}): number {
  const { now, invitationIds } = opts
  if (invitationIds?.length === 0) return 0
  return cancelQuery(db, now === undefined ? sql`0` : sql`i.expires_at <= ${now.getTime()}`,
    invitationIds === undefined ? undefined : inArray(outbox.invitationId, invitationIds)).run().changes
}

// The same for one invitation (it was just answered), prepared once per handle: every answer runs it.
const cancelOneQuery = preparedPerHandle(db =>
  cancelQuery(db, sql`0`, eq(outbox.invitationId, sql.placeholder('id'))).prepare())

export function cancelUnsendableMailOf (db: DbOrTx, invitationId: string): number {
  return cancelOneQuery(db).run({ id: invitationId }).changes
}

function cancelQuery (db: DbOrTx, expired: SQL, ofInvitations: SQL | undefined) {
  return db.update(outbox)
    .set({ state: 'cancelled', recipient: null, subject: null, text: null, html: null, headers: null })
    .where(and(
      eq(outbox.state, 'pending'),
      ofInvitations,
      sql`exists (
        select 1 from ${invitations} i where i.id = ${outbox.invitationId} and (
          i.status <> case ${outbox.purpose} when 'invitation' then 'queued' else 'sent' end
          or ${expired}
          or exists (select 1 from ${optOuts} o where o.recipient_hash = i.recipient_hash)))`
    ))
}
