import { and, eq, gt, isNotNull, isNull, notExists, sql } from 'drizzle-orm'
import type { DbHandle, DbOrTx, Tx } from '../db/client.js'
import { changed, tables } from '../db/dialect.js'
import type { QueuedMail } from '../mail/repository.js'
import type { OutboxRow } from '../mail/tables.js'
import type { SurveyRow } from '../surveys/tables.js'
import { queuedInvitationMail } from './mail.js'
import { newToken } from './secrets.js'
import { isOpen, type InvitationRow } from './tables.js'

const DAY_MS = 86_400_000

export interface ReminderDeps {
  enqueue: (tx: Tx, mail: QueuedMail) => Promise<OutboxRow>
}

/**
 * Invitations whose one reminder is due: mailed and delivered (`sent`), so not answered,
 * cancelled, failed or expired; never reminded; still holding the address; of an active survey
 * with a reminder, created at least `reminder_after_days` ago; to someone who has not opted out.
 */
async function dueForReminder (
  db: DbOrTx, now: Date, limit: number
): Promise<Array<{ invitation: InvitationRow, survey: SurveyRow }>> {
  const { invitations, optOuts, surveys } = tables(db)
  return await db.select({ invitation: invitations, survey: surveys }).from(invitations)
    .innerJoin(surveys, eq(surveys.id, invitations.surveyId))
    .where(and(
      eq(invitations.channel, 'email'),
      eq(invitations.status, 'sent'),
      // Implied by `sent`; written out so that SQLite reads the open invitations' expiry index.
      isOpen(invitations.status),
      isNotNull(invitations.email),
      isNull(invitations.reminderTokenHash),
      gt(invitations.expiresAt, now),
      eq(surveys.status, 'active'),
      isNotNull(surveys.reminderAfterDays),
      // bigint: days times a day's milliseconds overflows PostgreSQL's integer after 24 days.
      sql`${invitations.createdAt} + ${surveys.reminderAfterDays} * cast(${DAY_MS} as bigint) <= ${now.getTime()}`,
      notExists(db.select({ one: sql`1` }).from(optOuts).where(eq(optOuts.recipientHash, invitations.recipientHash)))
    ))
    .limit(limit)
}

/**
 * Queues the reminders that are due, each in the transaction that gives its invitation a second
 * token: the first one's plain text is long gone, and both open the same invitation. The
 * conditional update makes this safe to run from several places at once: an invitation is
 * reminded once. Returns how many reminders were queued.
 */
export async function queueReminders (store: DbHandle, deps: ReminderDeps, now: Date, batch = 200): Promise<number> {
  let queued = 0
  for (;;) {
    // Counted after the commit: on PostgreSQL a transaction may run again (docs/postgres.md).
    const { found, reminded } = await store.transaction(async tx => {
      const { invitations } = tables(tx)
      const due = await dueForReminder(tx, now, batch)
      let reminded = 0
      for (const { invitation } of due) {
        const token = newToken()
        const claimed = changed(await tx.update(invitations).set({ reminderTokenHash: token.hash })
          .where(and(eq(invitations.id, invitation.id), isNull(invitations.reminderTokenHash))))
        if (claimed !== 1) continue
        await deps.enqueue(tx, queuedInvitationMail(invitation, token.token, 'reminder'))
        reminded++
      }
      return { found: due.length, reminded }
    })
    queued += reminded
    // Every invitation looked at now has its reminder token, so the next round finds new ones.
    if (found < batch) return queued
  }
}
