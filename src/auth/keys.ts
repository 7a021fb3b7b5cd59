import { timingSafeEqual } from 'node:crypto'
import type { DbOrTx } from '../db/client.js'
import { InvalidFieldError, NotFoundError } from '../errors.js'
import { digest, hashToken, newId, newSecret } from '../ids.js'
import type { Principal, Role } from './access.js'
import * as repo from './repository.js'

export interface NewKey { name: string, role: Role, teams: string[] | null }

/**
 * Creates a key (a name alone: an admin key); the plain key is returned once and only its hash
 * is stored. A reader key names at least one team; other keys name none (docs/access.md).
 */
export async function createApiKey (
  db: DbOrTx, input: string | NewKey, now: Date
): Promise<NewKey & { id: string, key: string }> {
  const { name, role, teams } = typeof input === 'string' ? { name: input, role: 'admin' as const, teams: null } : input
  if (role === 'reader' && (teams === null || teams.length === 0)) {
    throw new InvalidFieldError('teams', 'a reader key names at least one team')
  }
  if (role !== 'reader' && teams !== null) {
    throw new InvalidFieldError('teams', `only reader keys name teams; a ${role} key reaches every team`)
  }
  const key = `puls_${newSecret(32)}`
  const row = await repo.insertApiKey(
    db, { id: newId('key'), name, role, teams, keyHash: hashToken(key), createdAt: now }
  )
  return { id: row.id, name: row.name, role: row.role, teams: row.teams, key }
}

export async function revokeApiKey (db: DbOrTx, id: string, now: Date): Promise<void> {
  if (await repo.revokeApiKey(db, id, now) === undefined) throw new NotFoundError('active API key', id)
}

/** What the bootstrap key (PULS_API_KEY) is called where a key's id is needed. */
export const BOOTSTRAP_KEY_ID = 'bootstrap'

/**
 * Who presents `presented`: the bootstrap key (an admin) or an unrevoked stored key; undefined for
 * any other. Both comparisons are on SHA-256 digests: the bootstrap one with timingSafeEqual, the
 * stored ones by an index lookup of the digest, so the time taken never depends on how much of a
 * real key was guessed.
 */
export async function principalOf (
  db: DbOrTx, presented: string, bootstrapKey: Buffer | undefined
): Promise<Principal | undefined> {
  const presentedDigest = digest(presented)
  if (bootstrapKey !== undefined && timingSafeEqual(presentedDigest, bootstrapKey)) {
    return { kind: 'key', id: BOOTSTRAP_KEY_ID, role: 'admin', teams: null }
  }
  const row = await repo.findActiveKeyByHash(db, presentedDigest.toString('hex'))
  return row === undefined ? undefined : { kind: 'key', id: row.id, role: row.role, teams: row.teams }
}

/** The id of the key `presented` is, or undefined (see principalOf). */
export async function keyIdOf (
  db: DbOrTx, presented: string, bootstrapKey: Buffer | undefined
): Promise<string | undefined> {
  return (await principalOf(db, presented, bootstrapKey))?.id
}
