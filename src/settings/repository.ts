import { eq } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.js'
import { tables } from '../db/dialect.js'

export async function getSetting (db: DbOrTx, key: string): Promise<string | undefined> {
  const { settings } = tables(db)
  const [row] = await db.select().from(settings).where(eq(settings.key, key)).limit(1)
  return row?.value
}

/**
 * Stores `value` unless the key exists; returns what is stored either way. Race-free when several
 * instances start together on one database: each inserts or is ignored, then all read the winner.
 */
export async function putSettingOnce (db: DbOrTx, key: string, value: string): Promise<string> {
  const { settings } = tables(db)
  await db.insert(settings).values({ key, value }).onConflictDoNothing({ target: settings.key })
  return (await getSetting(db, key))!
}
