import type { Tx } from '../db/client.js'
import { AppError } from '../errors.js'
import * as repo from './repository.js'
import { keyedDigest } from '../ids.js'

/** How long a key is remembered; a retry after that is a new request. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000

export interface Answer<T> {
  statusCode: number
  body: T
}

/**
 * Runs `run` once per `Idempotency-Key` and API key (`scope`): a retry of the same request answers
 * the stored result and changes nothing; the same key with a different request is refused (422).
 * Two integrations that happen to pick the same keys (ticket numbers, say) never see each other's
 * results or refusals, because the key is remembered per API key. Call it inside
 * the transaction that does the work (`store.transaction`), so that two racing retries cannot both
 * run: SQLite has one writer, PostgreSQL takes a lock on the key first (docs/postgres.md).
 * `forReplay` removes what must be shown only once (a link's URL) from the stored copy.
 */
export async function idempotent<T> (
  tx: Tx,
  secret: Buffer,
  scope: string,
  key: string | undefined,
  request: string,
  now: Date,
  run: () => Promise<Answer<T>>,
  forReplay: (body: T) => T
): Promise<Answer<T> & { replayed: boolean }> {
  if (key === undefined) return { ...await run(), replayed: false }
  const keyHash = keyedDigest(secret, 'idempotency-key', `${scope}\n${key}`)
  const fingerprint = keyedDigest(secret, 'idempotency-request', request)
  // `tx` is a write transaction: a racing retry with the same key runs after the first committed
  // (one writer on SQLite, the writers' turn on PostgreSQL) and finds the stored answer.
  const stored = await repo.findIdempotencyKey(tx, keyHash, new Date(now.getTime() - IDEMPOTENCY_TTL_MS))
  if (stored !== undefined) {
    if (stored.fingerprint !== fingerprint) {
      throw new AppError(
        422,
        'idempotency_key_reused',
        'Unprocessable Content',
        'this Idempotency-Key was used for a different request in the last 24 hours; use a new key for a new request',
        [{ path: 'headers.idempotency-key', message: 'was used for a different request' }]
      )
    }
    return { statusCode: stored.statusCode, body: stored.body as T, replayed: true }
  }
  const answer = await run()
  await repo.saveIdempotencyKey(tx, {
    keyHash,
    fingerprint,
    statusCode: answer.statusCode,
    body: forReplay(answer.body),
    createdAt: now
  })
  return { ...answer, replayed: false }
}
