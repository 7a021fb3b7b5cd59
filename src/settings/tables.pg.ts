import { pgTable, text } from 'drizzle-orm/pg-core'

// The PostgreSQL twin of ./tables.ts (docs/postgres.md): same tables, columns and row types.
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull()
})
