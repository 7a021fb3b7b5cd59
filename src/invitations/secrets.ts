import { hashToken, keyedDigest, newSecret } from '../ids.js'

/**
 * The one secret in a survey link: 256 bits from the CSPRNG, base64url. Only its SHA-256 is
 * stored, so a copy of the database cannot be used to answer in anyone's name.
 */
export function newToken (): { token: string, hash: string } {
  const token = newSecret(32)
  return { token, hash: hashToken(token) }
}

/** Addresses differ only in case and surrounding space as people type them; one person, one hash. */
export function normaliseAddress (email: string): string {
  return email.trim().toLowerCase()
}

/**
 * Who an invitation went to, as throttling and opt-out need it and nothing more (docs/anonymity.md, promise 3):
 * HMAC-SHA256 under PULS_SECRET, so the address cannot be recovered or confirmed by hashing a
 * guess without the secret.
 */
export function recipientHash (secret: Buffer, email: string): string {
  return keyedDigest(secret, 'recipient', normaliseAddress(email))
}
