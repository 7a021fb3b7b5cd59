import { sql } from 'drizzle-orm'
import { integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core'
import { surveys } from '../surveys/tables.pg.js'
import type { ItemAnswers } from './tables.js'

// The PostgreSQL twin of ./tables.ts (docs/postgres.md): same tables, columns and row types. The
// key is (survey, day, random id), never a serial: a sequence would order answers by arrival.
export const responses = pgTable('responses', {
  id: text('id').notNull(),
  surveyId: text('survey_id').notNull().references(() => surveys.id),
  score: integer('score').notNull(),
  comment: text('comment'),
  day: text('day').notNull(),
  locale: text('locale', { enum: ['en', 'de', 'nb'] }).notNull(),
  channel: text('channel', { enum: ['email', 'link', 'collector'] }).notNull(),
  attributes: jsonb('attributes').$type<Record<string, string>>().notNull().default(sql`'{}'`),
  items: jsonb('items').$type<ItemAnswers>()
}, t => [
  primaryKey({ columns: [t.surveyId, t.day, t.id] })
])
