import { doublePrecision, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core'
import { timestampMs } from '../db/postgres/columns.js'
import { ITEM_MEASURES } from './tables.js'

// The PostgreSQL twin of ./tables.ts (docs/postgres.md): same tables, columns and row types.
// SQLite's `real` is an 8-byte float: `double precision`, not PostgreSQL's 4-byte `real`.
export const targets = pgTable('targets', {
  id: text('id').primaryKey(),
  scope: text('scope').notNull(),
  metric: text('metric', { enum: ['nps', 'csat', 'ces'] }).notNull(),
  value: doublePrecision('value').notNull(),
  updatedAt: timestampMs('updated_at').notNull()
}, t => [uniqueIndex('targets_scope_idx').on(t.scope)])

export const itemTargets = pgTable('item_targets', {
  id: text('id').primaryKey(),
  scope: text('scope').notNull(),
  item: text('item').notNull(),
  measure: text('measure', { enum: ITEM_MEASURES }).notNull(),
  value: doublePrecision('value').notNull(),
  updatedAt: timestampMs('updated_at').notNull()
}, t => [uniqueIndex('item_targets_scope_item_idx').on(t.scope, t.item)])
