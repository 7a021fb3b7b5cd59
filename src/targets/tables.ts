import { integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

// Targets a survey or a team sets itself on its metric (docs/results.md, "Targets").
export const targets = sqliteTable('targets', {
  id: text('id').primaryKey(),
  /** `survey:<id>` or `team:<team>:<metric>`. */
  scope: text('scope').notNull(),
  metric: text('metric', { enum: ['nps', 'csat', 'ces'] }).notNull(),
  /** The score the metric should reach at least. */
  value: real('value').notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull()
}, t => [uniqueIndex('targets_scope_idx').on(t.scope)])
export type TargetRow = typeof targets.$inferSelect
