import { and, eq, inArray, sql, type SQL } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.js'
import { changed, tables } from '../db/dialect.js'
import { preparedPerHandle } from '../db/prepared.js'
import type { Composer, RenderedMail } from '../mail/compose.js'
import type { QueuedMail } from '../mail/repository.js'
import type { MailPurpose } from '../mail/tables.js'
import type { DeliveryHooks } from '../mail/worker.js'
import { coarsenToDay } from '../responses/coarsen.js'
import { DEFAULT_QUESTIONS, withDefaults } from '../surveys/defaults.js'
import type { SurveyRow } from '../surveys/tables.js'
import type { InvitationRow } from './tables.js'

// What mail means for an invitation: its message, how its status follows the mail, and which
// queued mail may no longer go out. Invitations build on mail's generic outbox, never the other
// way round (docs/architecture.md, docs/mail.md).

/**
 * An invitation's mail (or its reminder) as queued: its link's token, which exists in plain text
 * only now. The message is rendered from it when it is sent (`invitationDelivery`'s `render`), so
 * the transaction that makes the invitation writes a few bytes instead of the whole message.
 */
export function queuedInvitationMail (invitation: InvitationRow, token: string, purpose: MailPurpose): QueuedMail {
  if (invitation.email === null) throw new Error(`invitation ${invitation.id} has no address to send to`)
  return { invitationId: invitation.id, purpose, recipient: invitation.email, token }
}

/** An invitation's mail (or its reminder), in the invitation's locale, else the survey's. */
export function renderInvitationMail (
  compose: Composer, invitation: InvitationRow, survey: SurveyRow, token: string, purpose: MailPurpose
): RenderedMail {
  const locale = invitation.locale ?? survey.defaultLocale
  return compose({
    purpose,
    kind: survey.kind,
    metric: survey.metric,
    locale,
    question: withDefaults(survey.question, DEFAULT_QUESTIONS[survey.metric])[locale],
    token,
    expiresAt: invitation.expiresAt,
    caseRef: invitation.caseRef
  })
}

// The invitation and its survey a queued mail is rendered from, prepared once per handle.
const withSurvey = preparedPerHandle(db => {
  const { invitations, surveys } = tables(db)
  return db.select({ invitation: invitations, survey: surveys }).from(invitations)
    .innerJoin(surveys, eq(surveys.id, invitations.surveyId))
    .where(eq(invitations.id, sql.placeholder('id')))
    .prepare()
})

// Every mail sent runs it, in the group commit: prepared once per handle.
const delivered = preparedPerHandle(db => {
  const { invitations } = tables(db)
  return db.update(invitations).set({ status: 'sent', deliveredOn: sql`${sql.placeholder('day')}` })
    .where(and(eq(invitations.id, sql.placeholder('id')), eq(invitations.status, 'queued'))).prepare()
})

/**
 * An invitation's status follows its mail (docs/mail.md: queued, sent, failed). `delivered_on`, the
 * response-rate denominator, is the UTC day the server took the mail. A mail given up ends the
 * need for the address: no reminder follows a mail that never arrived. Its message is rendered
 * as it is sent, from the invitation and survey as they are then and the token queued with it.
 */
export function invitationDelivery (compose: Composer): DeliveryHooks {
  return {
    beforeClaim: async (tx, now, ids) => { await cancelUnsendableMail(tx, { now, outboxIds: ids }) },
    sent: async (tx, mail, now) => {
      if (mail.purpose !== 'invitation' || mail.invitationId === null) return
      await delivered(tx).execute({ id: mail.invitationId, day: coarsenToDay(now) })
    },
    failed: async (tx, mail) => {
      if (mail.purpose !== 'invitation' || mail.invitationId === null) return
      const { invitations } = tables(tx)
      await tx.update(invitations).set({ status: 'failed', email: null })
        .where(and(eq(invitations.id, mail.invitationId), eq(invitations.status, 'queued')))
    },
    render: async (db, mail) => {
      if (mail.invitationId === null) return undefined
      const [found] = await withSurvey(db).execute({ id: mail.invitationId })
      if (found === undefined) return undefined
      return renderInvitationMail(compose, found.invitation, found.survey, mail.token, mail.purpose)
    }
  }
}

/**
 * Cancels, and erases at once, queued mail that may no longer go out: an invitation's mail once
 * the invitation is no longer `queued` (cancelled, ended), a reminder once its invitation is not
 * `sent` any more (answered, cancelled, expired, survey closed), anything to a person who opted
 * out, and (given `now`) anything past its link's expiry. Called by every write that ends
 * invitations or records an opt-out (with `invitationIds` when it knows which, so an answer does
 * not scan the whole queue), and by the worker before each claim, among the rows it is about to
 * claim (`outboxIds`). Returns how many.
 */
export async function cancelUnsendableMail (
  db: DbOrTx, opts: { now?: Date, invitationIds?: string[], outboxIds?: string[] } = {}
): Promise<number> {
  const { now, invitationIds, outboxIds } = opts
  if (invitationIds?.length === 0 || outboxIds?.length === 0) return 0
  const { outbox } = tables(db)
  return changed(await cancelQuery(db, now === undefined ? NEVER : sql`i.expires_at <= ${now.getTime()}`, and(
    invitationIds === undefined ? undefined : inArray(outbox.invitationId, invitationIds),
    outboxIds === undefined ? undefined : inArray(outbox.id, outboxIds)
  )))
}

// A condition that never holds, in SQL both stores read as a boolean.
const NEVER = sql`1 = 0`

// The same for one invitation (it was just answered), prepared once per handle: every answer runs it.
const cancelOneQuery = preparedPerHandle(db =>
  cancelQuery(db, NEVER, eq(tables(db).outbox.invitationId, sql.placeholder('id'))).prepare())

export async function cancelUnsendableMailOf (db: DbOrTx, invitationId: string): Promise<number> {
  return changed(await cancelOneQuery(db).execute({ id: invitationId }))
}

function cancelQuery (db: DbOrTx, expired: SQL, ofInvitations: SQL | undefined) {
  const { invitations, optOuts, outbox } = tables(db)
  return db.update(outbox)
    .set({ state: 'cancelled', recipient: null, subject: null, text: null, html: null, headers: null, token: null })
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
