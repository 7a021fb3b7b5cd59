import { index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core'
import { timestampMs } from '../../db/postgres/columns.js'
import { surveys } from '../../surveys/tables.pg.js'
import type { ShareLinkOptions } from './tables.js'

// The PostgreSQL twin of ./tables.ts (docs/postgres.md): same tables, columns and row types.
// `combo` stays text: jsonb would reorder its keys, and results compare combos as text.
export const responseCounts = pgTable('response_counts', {
  surveyId: text('survey_id').notNull().references(() => surveys.id),
  day: text('day').notNull(),
  score: integer('score').notNull(),
  n: integer('n').notNull(),
  invited: integer('invited').notNull(),
  comments: integer('comments').notNull().default(0),
  invitedComments: integer('invited_comments').notNull().default(0)
}, t => [
  primaryKey({ columns: [t.surveyId, t.day, t.score] })
])

export const responseCombos = pgTable('response_combos', {
  surveyId: text('survey_id').notNull().references(() => surveys.id),
  day: text('day').notNull(),
  combo: text('combo').notNull(),
  n: integer('n').notNull(),
  invited: integer('invited').notNull().default(0)
}, t => [
  primaryKey({ columns: [t.surveyId, t.day, t.combo] })
])

export const responseComboScores = pgTable('response_combo_scores', {
  surveyId: text('survey_id').notNull().references(() => surveys.id),
  month: text('month').notNull(),
  combo: text('combo').notNull(),
  score: integer('score').notNull(),
  n: integer('n').notNull(),
  invited: integer('invited').notNull()
}, t => [
  primaryKey({ columns: [t.surveyId, t.month, t.combo, t.score] })
])

export const responseItemCounts = pgTable('response_item_counts', {
  surveyId: text('survey_id').notNull().references(() => surveys.id),
  month: text('month').notNull(),
  combo: text('combo').notNull(),
  item: text('item').notNull(),
  value: text('value').notNull(),
  n: integer('n').notNull(),
  invited: integer('invited').notNull()
}, t => [
  primaryKey({ columns: [t.surveyId, t.month, t.combo, t.item, t.value] })
])

export const shareLinks = pgTable('share_links', {
  id: text('id').primaryKey(),
  surveyId: text('survey_id').notNull().references(() => surveys.id),
  tokenHash: text('token_hash').notNull().unique(),
  options: jsonb('options').$type<ShareLinkOptions>().notNull(),
  createdAt: timestampMs('created_at').notNull(),
  expiresAt: timestampMs('expires_at').notNull(),
  revokedAt: timestampMs('revoked_at')
}, t => [
  index('share_links_survey_idx').on(t.surveyId, t.createdAt)
])
