import { sql } from 'drizzle-orm'
import { index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core'
import { keptJsonb, timestampMs } from '../db/postgres/columns.js'
import type { StoredItem } from './items.js'
import type { LocalizedText } from './tables.js'

// The PostgreSQL twin of ./tables.ts (docs/postgres.md): same tables, columns and row types.
export const surveys = pgTable('surveys', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  kind: text('kind', { enum: ['post_case', 'self_service', 'relationship'] }).notNull(),
  metric: text('metric', { enum: ['nps', 'csat', 'ces'] }).notNull(),
  team: text('team').notNull(),
  status: text('status', { enum: ['active', 'closed'] }).notNull().default('active'),
  question: jsonb('question').$type<LocalizedText>().notNull().default(sql`'{}'`),
  commentPrompt: jsonb('comment_prompt').$type<LocalizedText>().notNull().default(sql`'{}'`),
  items: keptJsonb<StoredItem[]>('items').notNull().default(sql`'[]'`),
  defaultLocale: text('default_locale', { enum: ['en', 'de', 'nb'] }).notNull(),
  linkTtlDays: integer('link_ttl_days').notNull(),
  throttleDays: integer('throttle_days').notNull(),
  reminderAfterDays: integer('reminder_after_days'),
  minGroupSize: integer('min_group_size').notNull(),
  minCommentGroupSize: integer('min_comment_group_size').notNull(),
  createdAt: timestampMs('created_at').notNull(),
  updatedAt: timestampMs('updated_at').notNull(),
  closedAt: timestampMs('closed_at'),
  retainDays: integer('retain_days'),
  commentRetainDays: integer('comment_retain_days')
}, t => [
  index('surveys_list_idx').on(t.createdAt, t.id),
  index('surveys_team_idx').on(t.team, t.kind, t.status)
])
