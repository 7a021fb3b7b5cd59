import { eq } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.js'
import { settings } from './tables.js'

export async function getSetting (db: DbOrTx, key: string): Promise<string | undefined> {
  const [row] = await db.select().from(settings).where(eq(settings.key, key)).limit(1)
  return row?.value
}

/** Stores `value` unless the key exists; returns what is stored either way. */
export async function putSettingOnce (db: DbOrTx, key: string, value: string): Promise<string> {
  await db.insert(settings).values({ key, value }).onConflictDoNothing()
  return (await getSetting(db, key))!
}
