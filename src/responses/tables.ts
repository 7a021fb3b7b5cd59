import { sql } from 'drizzle-orm'
import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { surveys } from '../surveys/tables.js'

/** yes_no: 'yes' | 'no'; rating: 1–5; choice: an option key; multi_choice: option keys; text: the text. */
export type ItemAnswers = Record<string, string | number | string[]>

// docs/anonymity.md, promises 1–2: a response holds no invitation, token, address, IP or user agent, its id is
// random, and its time is only the day. The table is rebuilt WITHOUT ROWID by a custom migration
// so that not even SQLite's hidden rowid records the order in which answers arrived. Its key is
// (survey, day, random id): rows are stored in the order every query reads them (a survey's days),
// with no second b-tree to write for each answer; within a day the order is the random id's.
export const responses = sqliteTable('responses', {
  id: text('id').notNull(),
  surveyId: text('survey_id').notNull().references(() => surveys.id),
  score: integer('score').notNull(),
  comment: text('comment'),
  /** UTC day of the answer, `YYYY-MM-DD`. */
  day: text('day').notNull(),
  locale: text('locale', { enum: ['en', 'de', 'nb'] }).notNull(),
  /** How the answer came in: a mailed link, a handed-out link, or a multi-use collector (QR). */
  channel: text('channel', { enum: ['email', 'link', 'collector'] }).notNull(),
  attributes: text('attributes', { mode: 'json' }).$type<Record<string, string>>().notNull().default(sql`'{}'`),
  /** The answers to the survey's items by item key; null when none was answered (src/respondent/items.ts). */
  items: text('items', { mode: 'json' }).$type<ItemAnswers>()
}, t => [
  primaryKey({ columns: [t.surveyId, t.day, t.id] })
])

export type ResponseRow = typeof responses.$inferSelect
