import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { surveys } from '../../surveys/tables.js'

/**
 * Answers counted per survey, day and score, kept in the transaction that stores each answer, so
 * whole-survey results over a million answers read a few thousand rows instead of all of them.
 * WITHOUT ROWID (migrations 0006 and 0012, by hand: drizzle cannot declare it): a rowid would
 * record in which order (day, score) combinations first arrived, an order the responses table
 * never keeps (docs/anonymity.md).
 */
export const responseCounts = sqliteTable('response_counts', {
  surveyId: text('survey_id').notNull().references(() => surveys.id),
  day: text('day').notNull(),
  score: integer('score').notNull(),
  n: integer('n').notNull(),
  /** Of `n`, the answers that came through an invitation (email or link): the response-rate numerator. */
  invited: integer('invited').notNull(),
  /**
   * Of `n`, the answers with a comment, and of those the ones through an invitation: comments are
   * released in blocks of comments (docs/anonymity.md). Counted when the answer comes and never
   * lowered when comment retention drops the text, so comment blocks never change.
   */
  comments: integer('comments').notNull().default(0),
  invitedComments: integer('invited_comments').notNull().default(0)
}, t => [
  primaryKey({ columns: [t.surveyId, t.day, t.score] })
])

/**
 * Answers counted per survey, day and combination of attributes, for questions about attributes
 * (src/results/engine/attributes.ts): the lattice of a month reads its days (one range of the key) to
 * decide suppression over attributes × release blocks. `combo` is the answer's attributes as JSON
 * with sorted keys (`{}` without any); readers parse it, so two spellings of the same attributes
 * (rows written by SQL in another key order) add up correctly. WITHOUT ROWID (migration 0009), for
 * the same reason as `response_counts`.
 */
export const responseCombos = sqliteTable('response_combos', {
  surveyId: text('survey_id').notNull().references(() => surveys.id),
  day: text('day').notNull(),
  combo: text('combo').notNull(),
  n: integer('n').notNull(),
  /**
   * Of `n`, the answers through an invitation: with the distinct collector clients of the same day
   * and combination, the people a cell holds (docs/anonymity.md, padding).
   */
  invited: integer('invited').notNull().default(0)
}, t => [
  primaryKey({ columns: [t.surveyId, t.day, t.combo] })
])

/**
 * Answers counted per survey, calendar month (`YYYY-MM` of the day), combination of attributes and
 * score: the distributions of questions about attributes, a few rows per combination and month
 * instead of one per day. A release month that starts or ends inside a calendar month (a block
 * across a month's end) is corrected from those few days' answers (engine/attributes.ts). WITHOUT ROWID.
 */
export const responseComboScores = sqliteTable('response_combo_scores', {
  surveyId: text('survey_id').notNull().references(() => surveys.id),
  month: text('month').notNull(),
  combo: text('combo').notNull(),
  score: integer('score').notNull(),
  n: integer('n').notNull(),
  /** Of `n`, the answers that came through an invitation (email or link). */
  invited: integer('invited').notNull()
}, t => [
  primaryKey({ columns: [t.surveyId, t.month, t.combo, t.score] })
])

/**
 * Item answers counted per survey, calendar month, combination (attributes and `item.<key>`
 * values, engine/item-values.ts), item and value: a yes/no, a rating, an option (a multi-choice
 * answer counts under each option it chose); `''` counts the answers that answered a multi-choice
 * or text item (a single-valued item's is the sum of its values, migration 0020). Item results
 * read it a month at a time, corrected at a month's edges like `response_combo_scores`. WITHOUT
 * ROWID (migration 0017), for the same reason as `response_counts`.
 */
export const responseItemCounts = sqliteTable('response_item_counts', {
  surveyId: text('survey_id').notNull().references(() => surveys.id),
  month: text('month').notNull(),
  combo: text('combo').notNull(),
  item: text('item').notNull(),
  value: text('value').notNull(),
  n: integer('n').notNull(),
  /** Of `n`, the answers that came through an invitation (email or link). */
  invited: integer('invited').notNull()
}, t => [
  primaryKey({ columns: [t.surveyId, t.month, t.combo, t.item, t.value] })
])

export interface ShareLinkOptions {
  from?: string | undefined
  to?: string | undefined
  interval?: 'day' | 'week' | 'month' | undefined
  group_by?: string | undefined
  locale?: 'en' | 'de' | 'nb' | undefined
}

/** A read-only link to a survey's report. Only the SHA-256 of its token is kept. */
export const shareLinks = sqliteTable('share_links', {
  id: text('id').primaryKey(),
  surveyId: text('survey_id').notNull().references(() => surveys.id),
  tokenHash: text('token_hash').notNull().unique(),
  options: text('options', { mode: 'json' }).$type<ShareLinkOptions>().notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  revokedAt: integer('revoked_at', { mode: 'timestamp_ms' })
}, t => [
  index('share_links_survey_idx').on(t.surveyId, t.createdAt)
])

export type ShareLinkRow = typeof shareLinks.$inferSelect
