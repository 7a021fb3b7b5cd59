import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core'

export const apiKeys = sqliteTable('api_keys', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  // SHA-256 of the key: keys carry 256 random bits, so a fast hash is enough and a stolen
  // database does not yield usable keys.
  keyHash: text('key_hash').notNull().unique(),
  /** What the key may do (docs/access.md); keys made before roles existed are admin keys. */
  role: text('role', { enum: ['admin', 'integration', 'reader'] }).notNull().default('admin'),
  /** The teams a reader key may read; null: every team (admin and integration keys). */
  teams: text('teams', { mode: 'json' }).$type<string[]>(),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  revokedAt: integer('revoked_at', { mode: 'timestamp_ms' })
})

export type ApiKeyRow = typeof apiKeys.$inferSelect
