import { sql } from 'drizzle-orm'
import { index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core'
import { timestampMs } from '../db/postgres/columns.js'
import { surveys } from '../surveys/tables.pg.js'
import { INVITATION_STATUSES, OPEN_STATUSES } from './tables.js'

// The PostgreSQL twin of ./tables.ts (docs/postgres.md): same tables, columns, indexes and row types.
export const invitations = pgTable('invitations', {
  id: text('id').primaryKey(),
  surveyId: text('survey_id').notNull().references(() => surveys.id),
  channel: text('channel', { enum: ['email', 'link'] }).notNull(),
  tokenHash: text('token_hash').unique(),
  reminderTokenHash: text('reminder_token_hash').unique(),
  status: text('status', { enum: INVITATION_STATUSES }).notNull(),
  locale: text('locale', { enum: ['en', 'de', 'nb'] }),
  caseRef: text('case_ref'),
  email: text('email'),
  recipientHash: text('recipient_hash'),
  attributes: jsonb('attributes').$type<Record<string, string>>().default(sql`'{}'`),
  createdAt: timestampMs('created_at').notNull(),
  expiresAt: timestampMs('expires_at').notNull(),
  deliveredOn: text('delivered_on')
}, t => [
  uniqueIndex('invitations_case_ref_idx').on(t.surveyId, t.caseRef),
  index('invitations_recipient_idx').on(t.recipientHash, t.surveyId, t.createdAt),
  index('invitations_open_expiry_idx').on(t.expiresAt)
    .where(sql.raw(`status in (${OPEN_STATUSES.map(s => `'${s}'`).join(', ')})`)),
  index('invitations_survey_expiry_idx').on(t.surveyId, t.expiresAt),
  index('invitations_delivered_idx').on(t.surveyId, t.deliveredOn)
])

export const optOuts = pgTable('opt_outs', {
  recipientHash: text('recipient_hash').primaryKey(),
  createdOn: text('created_on').notNull()
})

export const idempotencyKeys = pgTable('idempotency_keys', {
  keyHash: text('key_hash').primaryKey(),
  fingerprint: text('fingerprint').notNull(),
  statusCode: integer('status_code').notNull(),
  body: jsonb('body').$type<unknown>().notNull(),
  createdAt: timestampMs('created_at').notNull()
}, t => [index('idempotency_keys_created_idx').on(t.createdAt)])

export const deliveredCounts = pgTable('delivered_counts', {
  surveyId: text('survey_id').notNull().references(() => surveys.id),
  day: text('day').notNull(),
  n: integer('n').notNull()
}, t => [primaryKey({ columns: [t.surveyId, t.day] })])
