import { sql } from 'drizzle-orm'
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { surveys } from '../surveys/tables.js'

export const INVITATION_STATUSES = ['queued', 'sent', 'failed', 'throttled', 'opted_out', 'answered', 'expired', 'cancelled'] as const

// An invitation knows whom to ask, never what they answered (SPEC §2). `email` and `attributes`
// are erased (set to null) once it ends: answered, expired, cancelled or its survey closed.
export const invitations = sqliteTable('invitations', {
  id: text('id').primaryKey(),
  surveyId: text('survey_id').notNull().references(() => surveys.id),
  channel: text('channel', { enum: ['email', 'link'] }).notNull(),
  /** SHA-256 of the token; null for invitations that were never deliverable (throttled, opted out). */
  tokenHash: text('token_hash').unique(),
  /**
   * SHA-256 of the reminder's own token: the first token's plain text is gone when the reminder is
   * made. Either token opens the same invitation, and answering through one uses up both. Set
   * once, so there is never a second reminder.
   */
  reminderTokenHash: text('reminder_token_hash').unique(),
  status: text('status', { enum: INVITATION_STATUSES }).notNull(),
  locale: text('locale', { enum: ['en', 'de', 'nb'] }),
  caseRef: text('case_ref'),
  email: text('email'),
  /** HMAC-SHA256(PULS_SECRET, normalised address): throttling and opt-out without the address. */
  recipientHash: text('recipient_hash'),
  attributes: text('attributes', { mode: 'json' }).$type<Record<string, string>>().default(sql`'{}'`),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  /** UTC day the invitation reached its recipient (mail sent, link handed out): the response-rate denominator. */
  deliveredOn: text('delivered_on')
}, t => [
  uniqueIndex('invitations_case_ref_idx').on(t.surveyId, t.caseRef),
  index('invitations_survey_status_idx').on(t.surveyId, t.status),
  index('invitations_recipient_idx').on(t.recipientHash, t.surveyId, t.createdAt),
  index('invitations_expiry_idx').on(t.status, t.expiresAt),
  index('invitations_delivered_idx').on(t.surveyId, t.deliveredOn)
])

export type InvitationRow = typeof invitations.$inferSelect
export type NewInvitationRow = typeof invitations.$inferInsert
