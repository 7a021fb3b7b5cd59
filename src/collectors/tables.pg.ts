import { sql } from 'drizzle-orm'
import { index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core'
import { timestampMs } from '../db/postgres/columns.js'
import { surveys } from '../surveys/tables.pg.js'

// The PostgreSQL twin of ./tables.ts (docs/postgres.md): same tables, columns and row types.
export const collectors = pgTable('collectors', {
  id: text('id').primaryKey(),
  surveyId: text('survey_id').notNull().references(() => surveys.id),
  token: text('token').notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  label: text('label').notNull(),
  locale: text('locale', { enum: ['en', 'de', 'nb'] }).notNull(),
  attributes: jsonb('attributes').$type<Record<string, string>>().notNull().default(sql`'{}'`),
  status: text('status', { enum: ['active', 'closed'] }).notNull().default('active'),
  maxAnswersPerHour: integer('max_answers_per_hour').notNull(),
  cooldownSeconds: integer('cooldown_seconds').notNull(),
  release: text('release', { enum: ['clients', 'answers'] }).notNull().default('clients'),
  createdAt: timestampMs('created_at').notNull(),
  updatedAt: timestampMs('updated_at').notNull(),
  closedAt: timestampMs('closed_at')
}, t => [
  index('collectors_survey_idx').on(t.surveyId, t.createdAt, t.id)
])

export const collectorHourCounts = pgTable('collector_hour_counts', {
  collectorId: text('collector_id').notNull().references(() => collectors.id),
  hour: integer('hour').notNull(),
  count: integer('count').notNull()
}, t => [
  primaryKey({ columns: [t.collectorId, t.hour] }),
  index('collector_hour_counts_hour_idx').on(t.hour)
])

export const collectorClients = pgTable('collector_clients', {
  surveyId: text('survey_id').notNull().references(() => surveys.id),
  kind: text('kind', { enum: ['answer', 'cell', 'comment'] }).notNull(),
  combo: text('combo').notNull(),
  client: text('client').notNull(),
  day: text('day').notNull()
}, t => [
  primaryKey({ columns: [t.surveyId, t.kind, t.combo, t.client] })
])

export const collectorClientDays = pgTable('collector_client_days', {
  surveyId: text('survey_id').notNull().references(() => surveys.id),
  kind: text('kind', { enum: ['answer', 'cell', 'comment'] }).notNull(),
  combo: text('combo').notNull(),
  day: text('day').notNull(),
  clients: integer('clients').notNull()
}, t => [
  primaryKey({ columns: [t.surveyId, t.kind, t.day, t.combo] })
])
