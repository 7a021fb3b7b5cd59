import { index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core'
import { timestampMs } from '../db/postgres/columns.js'
import { MAIL_PURPOSES, OUTBOX_STATES } from './tables.js'

// The PostgreSQL twin of ./tables.ts (docs/postgres.md): same tables, columns and row types.
// As there, invitations are declared only as far as the foreign key needs them (not exported).
const invitations = pgTable('invitations', { id: text('id').primaryKey() })

export const outbox = pgTable('outbox', {
  id: text('id').primaryKey(),
  invitationId: text('invitation_id').references(() => invitations.id),
  purpose: text('purpose', { enum: MAIL_PURPOSES }).notNull(),
  state: text('state', { enum: OUTBOX_STATES }).notNull(),
  recipient: text('recipient'),
  subject: text('subject'),
  text: text('text'),
  html: text('html'),
  headers: jsonb('headers').$type<Record<string, string>>(),
  token: text('token'),
  attempts: integer('attempts').notNull().default(0),
  nextAttemptAt: timestampMs('next_attempt_at').notNull(),
  leaseUntil: timestampMs('lease_until'),
  leaseId: text('lease_id'),
  lastError: text('last_error'),
  createdAt: timestampMs('created_at').notNull(),
  sentAt: timestampMs('sent_at')
}, t => [
  index('outbox_due_idx').on(t.state, t.nextAttemptAt),
  index('outbox_invitation_idx').on(t.invitationId)
])
