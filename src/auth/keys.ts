import { timingSafeEqual } from 'node:crypto'
import type { DbOrTx } from '../db/client.js'
import { NotFoundError } from '../errors.js'
import { digest, hashToken, newId, newSecret } from '../ids.js'
import * as repo from './repository.js'

/** Creates a key; the plain key is returned once and only its hash is stored. */
export function createApiKey (db: DbOrTx, name: string, now: Date): { id: string, name: string, key: string } {
  const key = `puls_${newSecret(32)}`
  const row = repo.insertApiKey(db, { id: newId('key'), name, keyHash: hashToken(key), createdAt: now })
  return { id: row.id, name: row.name, key }
}

export function revokeApiKey (db: DbOrTx, id: string, now: Date): void {
  if (repo.revokeApiKey(db, id, now) === undefined) throw new NotFoundError('active API key', id)
}

/** What the bootstrap key (PULS_API_KEY) is called where a key's id is needed. */
export const BOOTSTRAP_KEY_ID = 'bootstrap'

/**
 * The id of the key `presented` is: the bootstrap key or an unrevoked stored key; undefined for
 * any other. Both comparisons are on SHA-256 digests: the bootstrap one with timingSafeEqual, the
 * stored ones by an index lookup of the digest, so the time taken never depends on how much of a
 * real key was guessed.
 */
export function keyIdOf (db: DbOrTx, presented: string, bootstrapKey: Buffer | undefined): string | undefined {
  const presentedDigest = digest(presented)
  if (bootstrapKey !== undefined && timingSafeEqual(presentedDigest, bootstrapKey)) return BOOTSTRAP_KEY_ID
  return repo.findActiveKeyByHash(db, presentedDigest.toString('hex'))?.id
}
