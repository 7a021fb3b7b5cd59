/** How the outbox retries a mail the server did not take. */
export interface RetryPolicy {
  /** Delay after the first failed attempt; each further failure doubles it. */
  minMs: number
  /** The delay never grows past this. */
  maxMs: number
  /** Attempts in all; after the last one fails, the mail is given up (`failed`). */
  maxAttempts: number
}

export const DEFAULT_RETRY: RetryPolicy = { minMs: 60_000, maxMs: 3_600_000, maxAttempts: 10 }

/**
 * The wait before the next attempt after `attempts` attempts have failed, or null when the mail
 * should be given up. Exponential (min, 2·min, 4·min, …) and capped at max: a server that is down
 * for an hour is not hammered, and one that is back is tried again within the hour.
 */
export function retryDelay (policy: RetryPolicy, attempts: number): number | null {
  if (attempts >= policy.maxAttempts) return null
  const exponent = Math.max(0, attempts - 1)
  // 2^exponent overflows to Infinity for absurd attempt counts; the cap still applies.
  return Math.min(policy.maxMs, policy.minMs * 2 ** exponent)
}

const ADDRESS = /[^\s<>()[\]",;:@]+@[^\s<>()[\]",;:@]+/g

/**
 * An error message fit to store and log: servers quote the recipient in their replies
 * ("550 5.1.1 <bob@example.com>: Recipient address rejected"), and addresses never reach a log
 * or outlive their mail (docs/anonymity.md, promises 3 and 6).
 */
export function describeFailure (err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  return message.replace(ADDRESS, '[address]').slice(0, 500)
}

/**
 * Whether retrying cannot help: the server refused this recipient for good (a 5xx reply to RCPT
 * TO, e.g. "user unknown"), or nodemailer cannot put the address into an envelope at all.
 * Everything else — refused connections, timeouts, 4xx replies, and 5xx replies to other
 * commands, which usually mean a server-side misconfiguration an operator will fix — is retried.
 */
export function isPermanent (err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false
  const e = err as { code?: unknown, responseCode?: unknown, command?: unknown }
  if (e.code !== 'EENVELOPE') return false
  if (e.command === 'API') return true
  return e.command === 'RCPT TO' && typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600
}
