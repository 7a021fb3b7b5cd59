import { randomBytes } from 'node:crypto'
import type { DbOrTx } from '../db/client.js'
import { countResponse } from '../results/rollup.js'
import type { Locale } from '../schemas.js'
import { coarsenToDay } from './coarsen.js'
import { responses } from './tables.js'

export interface NewResponse {
  surveyId: string
  score: number
  comment: string | null
  locale: Locale
  channel: 'email' | 'link' | 'collector'
  attributes: Record<string, string>
  answeredAt: Date
}

/**
 * Stores one anonymous answer. Only what SPEC §2.1–2.2 allows reaches the row: a random id (no
 * prefix, no time component), the day, and the attributes; never the invitation or token it came
 * through. Callers run it inside the transaction that marks the token used; the results rollup
 * is counted in that same transaction.
 */
export function insertResponse (db: DbOrTx, r: NewResponse): void {
  const day = coarsenToDay(r.answeredAt)
  db.insert(responses).values({
    id: randomBytes(16).toString('base64url'),
    surveyId: r.surveyId,
    score: r.score,
    comment: r.comment,
    day,
    locale: r.locale,
    channel: r.channel,
    attributes: r.attributes
  }).run()
  countResponse(db, { surveyId: r.surveyId, day, score: r.score, channel: r.channel, attributes: r.attributes })
}
