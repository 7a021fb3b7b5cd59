import { jsonb, pgTable, text } from 'drizzle-orm/pg-core'
import { timestampMs } from '../db/postgres/columns.js'

// The PostgreSQL twin of ./tables.ts (docs/postgres.md): same tables, columns and row types.
export const apiKeys = pgTable('api_keys', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  keyHash: text('key_hash').notNull().unique(),
  role: text('role', { enum: ['admin', 'integration', 'reader'] }).notNull().default('admin'),
  teams: jsonb('teams').$type<string[]>(),
  createdAt: timestampMs('created_at').notNull(),
  revokedAt: timestampMs('revoked_at')
})
