import { index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core'

// The PostgreSQL twin of ./tables.ts (docs/postgres.md): same tables, columns and row types.
// Append-only by a trigger, as on SQLite (db/migrations/postgres/0000_init.sql).
export const auditEvents = pgTable('audit_events', {
  hour: text('hour').notNull(),
  id: text('id').notNull(),
  actor: text('actor').notNull(),
  actorKind: text('actor_kind', { enum: ['key', 'person', 'share_link', 'cli'] }).notNull(),
  action: text('action').notNull(),
  surveyId: text('survey_id'),
  team: text('team'),
  target: text('target')
}, t => [
  primaryKey({ columns: [t.hour, t.id] }),
  index('audit_events_survey_idx').on(t.surveyId, t.hour)
])
