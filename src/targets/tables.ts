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

export const ITEM_MEASURES = ['yes_percent', 'mean', 'top2_percent'] as const
export type ItemMeasure = typeof ITEM_MEASURES[number]

// Targets on an item's key (docs/integrations.md, "Targets"): one per survey or team and key.
export const itemTargets = sqliteTable('item_targets', {
  id: text('id').primaryKey(),
  /** `survey:<id>` or `team:<team>`. */
  scope: text('scope').notNull(),
  item: text('item').notNull(),
  /** What of the item's results should reach the value: the share of yes, a rating's mean or top-2-box share. */
  measure: text('measure', { enum: ITEM_MEASURES }).notNull(),
  value: real('value').notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull()
}, t => [uniqueIndex('item_targets_scope_item_idx').on(t.scope, t.item)])
export type ItemTargetRow = typeof itemTargets.$inferSelect
