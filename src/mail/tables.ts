import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

export const OUTBOX_STATES = ['pending', 'sending', 'sent', 'failed', 'cancelled'] as const
export type OutboxState = typeof OUTBOX_STATES[number]
export const MAIL_PURPOSES = ['invitation', 'reminder'] as const
export type MailPurpose = typeof MAIL_PURPOSES[number]

// The one table of another domain the outbox refers to (outbox.invitation_id), declared here only
// as far as that foreign key needs it: invitations build on mail, so mail does not import them
// (docs/architecture.md). Not exported; the real table is src/invitations/tables.ts.
const invitations = sqliteTable('invitations', { id: text('id').primaryKey() })

// The durable outbox. A mail is queued in the transaction that creates its invitation and sent
// later by the worker (src/mail/worker.ts). A survey mail is stored as the one thing that cannot
// be made again later, its link's token (plain text exists only at that moment), and rendered when
// it is sent (`DeliveryHooks.render`); other mail may be stored rendered. Recipient, token and
// message are erased (set to null) as soon as the row reaches a final state, so neither the
// address nor a usable token lingers here (docs/anonymity.md); what stays is the delivery record.
export const outbox = sqliteTable('outbox', {
  id: text('id').primaryKey(),
  invitationId: text('invitation_id').references(() => invitations.id),
  purpose: text('purpose', { enum: MAIL_PURPOSES }).notNull(),
  state: text('state', { enum: OUTBOX_STATES }).notNull(),
  recipient: text('recipient'),
  subject: text('subject'),
  text: text('text'),
  html: text('html'),
  headers: text('headers', { mode: 'json' }).$type<Record<string, string>>(),
  /** The link token the mail carries, when it is rendered at send time instead of stored rendered. */
  token: text('token'),
  /** Sends started, including one a crash or shutdown cut short. */
  attempts: integer('attempts').notNull().default(0),
  /** When a pending row may be sent (now, or later after a failed attempt). */
  nextAttemptAt: integer('next_attempt_at', { mode: 'timestamp_ms' }).notNull(),
  /** While `sending`: the claim runs out then, so a crashed worker's rows are sent again. */
  leaseUntil: integer('lease_until', { mode: 'timestamp_ms' }),
  /** Which claim holds the row: a worker reschedules or releases only rows it still holds. */
  leaseId: text('lease_id'),
  /** The last failure, with e-mail addresses taken out. */
  lastError: text('last_error'),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  sentAt: integer('sent_at', { mode: 'timestamp_ms' })
}, t => [
  index('outbox_due_idx').on(t.state, t.nextAttemptAt),
  index('outbox_invitation_idx').on(t.invitationId)
])

export type OutboxRow = typeof outbox.$inferSelect
export type NewOutboxRow = typeof outbox.$inferInsert
