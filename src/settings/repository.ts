import { eq } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.js'
import { settings } from './tables.js'

export function getSetting (db: DbOrTx, key: string): string | undefined {
  return db.select().from(settings).where(eq(settings.key, key)).get()?.value
}

/** Stores `value` unless the key exists; returns what is stored either way. */
export function putSettingOnce (db: DbOrTx, key: string, value: string): string {
  db.insert(settings).values({ key, value }).onConflictDoNothing().run()
  return getSetting(db, key)!
}
