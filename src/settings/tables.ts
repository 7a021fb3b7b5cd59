import { sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** Server-wide values that must survive restarts, such as the generated HMAC secret. */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull()
})
