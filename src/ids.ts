import { createHash, createHmac, randomBytes } from 'node:crypto'

/**
 * A random identifier: `prefix_` and 128 bits from the CSPRNG in base64url. Never sequential or
 * time-ordered, so an id says nothing about when its row was made (docs/anonymity.md, promise 1).
 */
export function newId (prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`
}

/** A bearer secret (API key, survey token): 256 bits, base64url. */
export function newSecret (bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}

/**
 * SHA-256 of a bearer secret (API key, survey or report token, metrics token). The database keeps
 * this instead of the secret, and checks compare digests, which all have one length.
 */
export function digest (secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest()
}

/** `digest` as hex: how token hashes are stored and looked up. */
export function hashToken (token: string): string {
  return digest(token).toString('hex')
}

/**
 * A keyed digest for what must be matched but never read back (recipients, idempotency keys,
 * collector clients): HMAC-SHA256 under PULS_SECRET of `purpose:value`, hex. Without the secret a
 * guess cannot be confirmed by hashing it.
 */
export function keyedDigest (secret: Buffer, purpose: string, value: string): string {
  return createHmac('sha256', secret).update(`${purpose}:${value}`, 'utf8').digest('hex')
}
