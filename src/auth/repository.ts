import { and, asc, eq, isNull } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.js'
import { tables } from '../db/dialect.js'
import type { apiKeys, ApiKeyRow } from './tables.js'

export async function insertApiKey (db: DbOrTx, row: typeof apiKeys.$inferInsert): Promise<ApiKeyRow> {
  const { apiKeys } = tables(db)
  const [inserted] = await db.insert(apiKeys).values(row).returning()
  return inserted!
}

export async function findActiveKeyByHash (db: DbOrTx, keyHash: string): Promise<ApiKeyRow | undefined> {
  const { apiKeys } = tables(db)
  const [row] = await db.select().from(apiKeys)
    .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt))).limit(1)
  return row
}

export async function listApiKeys (db: DbOrTx): Promise<ApiKeyRow[]> {
  const { apiKeys } = tables(db)
  return await db.select().from(apiKeys).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id))
}

/** Marks the key revoked; undefined when there is no such key or it was revoked already. */
export async function revokeApiKey (db: DbOrTx, id: string, at: Date): Promise<ApiKeyRow | undefined> {
  const { apiKeys } = tables(db)
  const [row] = await db.update(apiKeys).set({ revokedAt: at })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt))).returning()
  return row
}
