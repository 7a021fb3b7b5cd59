import { index, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/**
 * Who read which results, and who changed who may read (docs/access.md, "Audit trail").
 * Append-only: a trigger refuses updates (migration 0015), and rows go only when they are older
 * than AUDIT_RETAIN_DAYS. Times are kept to the hour, and the table is WITHOUT ROWID with a
 * random id, so nothing records the order of events within an hour. Never an answer, a
 * respondent, an address or a token.
 */
export const auditEvents = sqliteTable('audit_events', {
  /** UTC hour, `YYYY-MM-DDTHH`. */
  hour: text('hour').notNull(),
  id: text('id').notNull(),
  /** A key id ('bootstrap' for PULS_API_KEY), a person's subject, a share link id, or 'cli'. */
  actor: text('actor').notNull(),
  actorKind: text('actor_kind', { enum: ['key', 'person', 'share_link', 'cli'] }).notNull(),
  action: text('action').notNull(),
  surveyId: text('survey_id'),
  team: text('team'),
  /** What the action was on, besides the survey: a share link's or an API key's id. */
  target: text('target')
}, t => [
  primaryKey({ columns: [t.hour, t.id] }),
  index('audit_events_survey_idx').on(t.surveyId, t.hour)
])

export type AuditEventRow = typeof auditEvents.$inferSelect
