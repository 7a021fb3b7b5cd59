import { randomBytes } from 'node:crypto'

/**
 * A random identifier: `prefix_` and 128 bits from the CSPRNG in base64url. Never sequential or
 * time-ordered, so an id says nothing about when its row was made (SPEC §2.1).
 */
export function newId (prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`
}

/** A bearer secret (API key, survey token): 256 bits, base64url. */
export function newSecret (bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}
