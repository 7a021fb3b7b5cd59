import { createHash } from 'node:crypto'
import { and, eq, gt, isNotNull, isNull, sql } from 'drizzle-orm'
import type { DbHandle, DbOrTx, Tx } from '../db/client.js'
import { newSecret } from '../ids.js'
import { invitations, type InvitationRow } from '../invitations/tables.js'
import { DEFAULT_QUESTIONS, withDefaults } from '../surveys/defaults.js'
import { surveys, type SurveyRow } from '../surveys/tables.js'
import type { Composer } from './compose.js'
import type { QueuedMail } from './repository.js'
import type { OutboxRow } from './tables.js'

const DAY_MS = 86_400_000

export interface ReminderDeps {
  compose: Composer
  enqueue: (tx: Tx, mail: QueuedMail) => OutboxRow
}

/**
 * Invitations whose one reminder is due: mailed and delivered (`sent`), not answered, cancelled
 * or expired, never reminded, still holding the address, of an active survey with a reminder,
 * created at least `reminder_after_days` ago.
 */
function dueForReminder (db: DbOrTx, now: Date, limit: number): Array<{ invitation: InvitationRow, survey: SurveyRow }> {
  return db.select({ invitation: invitations, survey: surveys }).from(invitations)
    .innerJoin(surveys, eq(surveys.id, invitations.surveyId))
    .where(and(
      eq(invitations.channel, 'email'),
      eq(invitations.status, 'sent'),
      isNotNull(invitations.email),
      isNull(invitations.reminderTokenHash),
      gt(invitations.expiresAt, now),
      eq(surveys.status, 'active'),
      isNotNull(surveys.reminderAfterDays),
      sql`${invitations.createdAt} + ${surveys.reminderAfterDays} * ${DAY_MS} <= ${now.getTime()}`
    ))
    .limit(limit).all()
}

/**
 * Queues the reminders that are due, each in the transaction that gives its invitation a second
 * token (the first one's plain text is long gone; both open the same invitation). The
 * conditional update makes this safe to run from several places at once: an invitation is
 * reminded once. Returns how many reminders were queued.
 */
export function queueReminders (store: DbHandle, deps: ReminderDeps, now: Date, batch = 200): number {
  let queued = 0
  for (;;) {
    const found = store.transaction(tx => {
      const due = dueForReminder(tx, now, batch)
      for (const { invitation, survey } of due) {
        const token = newSecret(32)
        const claimed = tx.update(invitations)
          .set({ reminderTokenHash: createHash('sha256').update(token, 'utf8').digest('hex') })
          .where(and(eq(invitations.id, invitation.id), isNull(invitations.reminderTokenHash)))
          .run().changes === 1
        if (!claimed || invitation.email === null) continue
        const locale = invitation.locale ?? survey.defaultLocale
        const mail = deps.compose({
          purpose: 'reminder',
          kind: survey.kind,
          metric: survey.metric,
          locale,
          question: withDefaults(survey.question, DEFAULT_QUESTIONS[survey.metric])[locale],
          token,
          expiresAt: invitation.expiresAt,
          caseRef: invitation.caseRef
        })
        deps.enqueue(tx, { invitationId: invitation.id, purpose: 'reminder', recipient: invitation.email, ...mail })
        queued++
      }
      return due.length
    })
    // Every invitation looked at now has its reminder token, so the next round finds new ones.
    if (found < batch) return queued
  }
}
