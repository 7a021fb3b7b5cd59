import { sql } from 'drizzle-orm'
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'
import { keptJson } from '../db/columns.js'
import type { StoredItem } from './items.js'

export type LocalizedText = Partial<Record<'en' | 'de' | 'nb', string>>

export const surveys = sqliteTable('surveys', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  kind: text('kind', { enum: ['post_case', 'self_service', 'relationship'] }).notNull(),
  metric: text('metric', { enum: ['nps', 'csat', 'ces'] }).notNull(),
  team: text('team').notNull(),
  status: text('status', { enum: ['active', 'closed'] }).notNull().default('active'),
  // Only the texts the caller gave; built-in defaults are merged in when read, so improving a
  // default translation reaches every survey that did not override it.
  question: text('question', { mode: 'json' }).$type<LocalizedText>().notNull().default(sql`'{}'`),
  commentPrompt: text('comment_prompt', { mode: 'json' }).$type<LocalizedText>().notNull().default(sql`'{}'`),
  /** The items asked beside the score, in page order, retired ones included (src/surveys/items.ts). */
  items: keptJson<StoredItem[]>('items').notNull().default(sql`'[]'`),
  defaultLocale: text('default_locale', { enum: ['en', 'de', 'nb'] }).notNull(),
  linkTtlDays: integer('link_ttl_days').notNull(),
  throttleDays: integer('throttle_days').notNull(),
  reminderAfterDays: integer('reminder_after_days'),
  minGroupSize: integer('min_group_size').notNull(),
  minCommentGroupSize: integer('min_comment_group_size').notNull(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  closedAt: integer('closed_at', { mode: 'timestamp_ms' }),
  /** Answers are deleted this many days after their day; null: RETAIN_DAYS (unset there: kept). */
  retainDays: integer('retain_days'),
  /** Comments are dropped (the score stays) this many days after; null: COMMENT_RETAIN_DAYS, else as the answer. */
  commentRetainDays: integer('comment_retain_days')
}, t => [
  index('surveys_list_idx').on(t.createdAt, t.id),
  index('surveys_team_idx').on(t.team, t.kind, t.status)
])

export type SurveyRow = typeof surveys.$inferSelect
export type NewSurveyRow = typeof surveys.$inferInsert
