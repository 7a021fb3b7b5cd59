import { and, asc, eq, isNull } from 'drizzle-orm'
import type { DbOrTx } from '../db/client.js'
import { apiKeys, type ApiKeyRow } from './tables.js'

export function insertApiKey (db: DbOrTx, row: typeof apiKeys.$inferInsert): ApiKeyRow {
  return db.insert(apiKeys).values(row).returning().get()
}

export function findActiveKeyByHash (db: DbOrTx, keyHash: string): ApiKeyRow | undefined {
  return db.select().from(apiKeys).where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt))).get()
}

export function listApiKeys (db: DbOrTx): ApiKeyRow[] {
  return db.select().from(apiKeys).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id)).all()
}

/** Marks the key revoked; undefined when there is no such key or it was revoked already. */
export function revokeApiKey (db: DbOrTx, id: string, at: Date): ApiKeyRow | undefined {
  return db.update(apiKeys).set({ revokedAt: at })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt))).returning().get()
}
